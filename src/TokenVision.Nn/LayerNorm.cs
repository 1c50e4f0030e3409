using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>Layer normalisation over the last dimension (Ba et al., 2016). Keys: <c>weight</c>, <c>bias</c>.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with weight 1 and bias 0.</summary>
    public LayerNorm(int dim, float eps = 1e-5f, bool affine = true, bool bias = true)
    {
        Dim = dim;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(dim));
            if (bias)
                Bias = RegisterParameter("bias", Tensor.Zeros(dim));
        }
    }

    /// <summary>Normalised size.</summary>
    public int Dim { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>[dim] scale, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>[dim] shift, or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>[..., dim] → [..., dim].</summary>
    public override Tensor Forward(Tensor x) => Functional.LayerNorm(x, [Dim], Weight, Bias, Eps);
}
