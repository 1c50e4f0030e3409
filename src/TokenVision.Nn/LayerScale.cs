using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>Per-channel learned scaling of a residual branch (Touvron et al., CaiT, 2021). Key: <c>gamma</c> [dim].</summary>
public sealed class LayerScale : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with every scale set to <paramref name="initValues"/>.</summary>
    public LayerScale(int dim, float initValues = 1e-5f)
    {
        Gamma = RegisterParameter("gamma", Tensor.Full([dim], initValues));
    }

    /// <summary>[dim] scales.</summary>
    public Tensor Gamma { get; }

    /// <summary>[..., dim] → [..., dim].</summary>
    public override Tensor Forward(Tensor x) => x * Gamma;
}
