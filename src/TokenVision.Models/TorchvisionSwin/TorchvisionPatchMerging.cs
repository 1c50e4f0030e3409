using TokenVision.Models.Swin;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionSwin;

/// <summary>
/// Patch merging as torchvision's <c>PatchMerging</c>: 2×2 neighbourhoods concatenated (odd sizes zero-padded),
/// normalised, projected 4C → 2C. Keys (in torchvision's order): <c>reduction.weight</c> [2C, 4C], <c>norm.*</c> [4C].
/// </summary>
public sealed class TorchvisionPatchMerging : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public TorchvisionPatchMerging(int dim, Generator generator)
    {
        Reduction = Register("reduction", new Linear(4 * dim, 2 * dim, generator, bias: false));
        Norm = Register("norm", new LayerNorm(4 * dim, TorchvisionSwinBlock.NormEps));
    }

    /// <summary>4C → 2C projection (no bias).</summary>
    public Linear Reduction { get; }

    /// <summary>Norm over the 4C concatenated channels (applied before the reduction).</summary>
    public LayerNorm Norm { get; }

    /// <summary>[B, H, W, C] → [B, ⌈H/2⌉, ⌈W/2⌉, 2C].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var merged = SwinWindows.Merge2x2(x);                        // [B, H/2, W/2, 4C]
        using var normed = Norm.Forward(merged);
        return Reduction.Forward(normed);
    }
}
