using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// Patch merging (Liu et al., 2021), as timm's <c>PatchMerging</c>: concatenates each 2×2 neighbourhood, normalises
/// and projects 4C → out channels, halving the resolution. Keys: <c>norm.*</c> [4C], <c>reduction.weight</c> [out, 4C].
/// </summary>
public sealed class PatchMerging : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; <paramref name="outDim"/> defaults to 2·<paramref name="dim"/>.</summary>
    public PatchMerging(int dim, Generator generator, int? outDim = null)
    {
        OutDim = outDim ?? 2 * dim;
        Norm = Register("norm", new LayerNorm(4 * dim, SwinTransformerBlock.NormEps));
        Reduction = Register("reduction", new Linear(4 * dim, OutDim, generator, bias: false));
    }

    /// <summary>Output channels.</summary>
    public int OutDim { get; }

    /// <summary>Norm over the 4C concatenated channels.</summary>
    public LayerNorm Norm { get; }

    /// <summary>4C → out projection (no bias).</summary>
    public Linear Reduction { get; }

    /// <summary>[B, H, W, C] → [B, ⌈H/2⌉, ⌈W/2⌉, out].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var merged = SwinWindows.Merge2x2(x);                        // [B, H/2, W/2, 4C]
        using var normed = Norm.Forward(merged);
        return Reduction.Forward(normed);
    }
}
