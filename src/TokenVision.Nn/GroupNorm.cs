using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>Group normalisation (Wu and He, 2018). Keys: <c>weight</c>, <c>bias</c>.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with weight 1 and bias 0.</summary>
    public GroupNorm(int numGroups, int channels, float eps = 1e-5f, bool affine = true)
    {
        NumGroups = numGroups;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(channels));
            Bias = RegisterParameter("bias", Tensor.Zeros(channels));
        }
    }

    /// <summary>Number of groups.</summary>
    public int NumGroups { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>[C] scale, or null.</summary>
    public Tensor? Weight { get; }

    /// <summary>[C] shift, or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>[N, C, ...] → same shape.</summary>
    public override Tensor Forward(Tensor x) => Functional.GroupNorm(x, NumGroups, Weight, Bias, Eps);
}
