using TokenVision.Models.MViT;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// Pools the tokens after the class token on their (t, h, w) grid, then normalises, as torchvision's MViT
/// <c>Pool</c>. Keys: <c>pool.*</c>, <c>norm_act.0.*</c> (when normalised).
/// </summary>
public sealed class Pool : Module
{
    /// <summary>Creates the layer around <paramref name="pool"/> ([N, C, T, H, W] → [N, C, T', H', W']), with an optional norm.</summary>
    public Pool(Module<Tensor, Tensor> pool, LayerNorm? norm)
    {
        PoolOp = Register("pool", pool);
        if (norm is not null)
            NormAct = Register("norm_act", new Sequential(norm));
    }

    /// <summary>The pooling operator (depthwise conv or max pool).</summary>
    public Module<Tensor, Tensor> PoolOp { get; }

    /// <summary>Norm after pooling (applied to the class token too), or null.</summary>
    public Sequential? NormAct { get; }

    /// <summary>[B, heads, 1 + T·H·W, C] (or [B, 1 + T·H·W, C]) → same with the pooled grid, returned in <paramref name="newThw"/>.</summary>
    public Tensor Forward(Tensor x, IReadOnlyList<int> thw, out int[] newThw)
    {
        using var pooled = TokenPooling.Pool(x, 1, thw, PoolOp, out newThw);
        return NormAct is null ? pooled.Identity() : NormAct.Forward(pooled);
    }
}
