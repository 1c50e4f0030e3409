using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionSwin;

/// <summary>torchvision's <c>ops.misc.Permute</c>: reorders dimensions (no parameters).</summary>
internal sealed class Permute : Module<Tensor, Tensor>
{
    private readonly int[] _dims;

    /// <summary>Creates the layer.</summary>
    public Permute(params int[] dims) => _dims = dims;

    /// <summary>The permuted tensor (a view).</summary>
    public override Tensor Forward(Tensor x) => x.Permute(_dims);
}
