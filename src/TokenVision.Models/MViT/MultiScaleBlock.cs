using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>
/// An MViTv2 block (Li et al., 2022): pooling attention with a pooled (and, when the width grows, projected)
/// shortcut, then the MLP. Keys as timm's <c>MultiScaleBlock</c>: <c>norm1</c>, <c>shortcut_proj_attn</c>,
/// <c>attn</c>, <c>norm2</c>, <c>shortcut_proj_mlp</c>, <c>mlp</c>.
/// </summary>
public sealed class MultiScaleBlock : Module
{
    /// <summary>Creates the block.</summary>
    /// <param name="dim">Input width.</param>
    /// <param name="dimOut">Output width.</param>
    /// <param name="numHeads">Attention heads.</param>
    /// <param name="featSize">Input token grid.</param>
    /// <param name="config">The resolved model configuration.</param>
    /// <param name="strideQ">Query stride (downsamples the grid when &gt; 1).</param>
    /// <param name="strideKv">Key/value stride.</param>
    /// <param name="dropPath">Stochastic-depth rate.</param>
    /// <param name="generator">Initialisation randomness.</param>
    public MultiScaleBlock(int dim, int dimOut, int numHeads, (int H, int W) featSize, MViTv2Config config,
        (int H, int W) strideQ, (int H, int W) strideKv, float dropPath, Generator generator)
    {
        var projNeeded = dim != dimOut;
        var expandAttn = config.ExpandAttn;
        HasClsToken = config.UseClsToken;
        Norm1 = Register("norm1", new LayerNorm(dim, config.NormEps));
        if (projNeeded && expandAttn)
            ShortcutProjAttn = Register("shortcut_proj_attn", new Linear(dim, dimOut, generator));
        if (strideQ.H * strideQ.W > 1)
            ShortcutPoolAttn = Register("shortcut_pool_attn", SpatialPool.Shortcut([strideQ.H, strideQ.W]));
        var attDim = expandAttn ? dimOut : dim;
        Attn = Register("attn", new MultiScaleAttention(dim, attDim, featSize, numHeads, config, strideQ, strideKv, generator));
        DropPath1 = Register("drop_path1", new DropPath(dropPath));
        Norm2 = Register("norm2", new LayerNorm(attDim, config.NormEps));
        if (projNeeded && !expandAttn)
            ShortcutProjMlp = Register("shortcut_proj_mlp", new Linear(dim, dimOut, generator));
        Mlp = Register("mlp", new Mlp(attDim, generator, (int)(attDim * (double)config.MlpRatio), dimOut));
        DropPath2 = Register("drop_path2", new DropPath(dropPath));
    }

    /// <summary>Whether the first token is a class token.</summary>
    public bool HasClsToken { get; }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Widens the (normalised) shortcut when attention changes the width, or null.</summary>
    public Linear? ShortcutProjAttn { get; }

    /// <summary>Max-pools the shortcut to the query grid when the query stride is &gt; 1, or null.</summary>
    public SpatialPool? ShortcutPoolAttn { get; }

    /// <summary>Pooling attention.</summary>
    public MultiScaleAttention Attn { get; }

    /// <summary>Stochastic depth of the attention branch.</summary>
    public DropPath DropPath1 { get; }

    /// <summary>Norm before the MLP.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Widens the (normalised) shortcut when the MLP changes the width, or null.</summary>
    public Linear? ShortcutProjMlp { get; }

    /// <summary>Feed-forward block.</summary>
    public Mlp Mlp { get; }

    /// <summary>Stochastic depth of the MLP branch.</summary>
    public DropPath DropPath2 { get; }

    /// <summary>[B, prefix + H·W, dim] → [B, prefix + H'·W', dim_out]; <paramref name="featSize"/> becomes the output grid.</summary>
    public Tensor Forward(Tensor x, ref (int H, int W) featSize)
    {
        using var xNorm = Norm1.Forward(x);
        // As the original implementation: the shortcut is the un-normalised input unless it is projected.
        using var projected = ShortcutProjAttn is null ? x.Identity() : ShortcutProjAttn.Forward(xNorm);
        using var shortcut = ShortcutPool(projected, featSize);
        using var attn = Attn.Forward(xNorm, featSize, out var qSize);
        using var dropped = DropPath1.Forward(attn);
        using var x1 = shortcut + dropped;                               // [B, prefix + H'·W', att_dim]
        featSize = qSize;

        using var xNorm2 = Norm2.Forward(x1);
        using var shortcut2 = ShortcutProjMlp is null ? x1.Identity() : ShortcutProjMlp.Forward(xNorm2);
        using var mlp = Mlp.Forward(xNorm2);
        using var dropped2 = DropPath2.Forward(mlp);
        return shortcut2 + dropped2;
    }

    private Tensor ShortcutPool(Tensor x, (int H, int W) featSize) => ShortcutPoolAttn is null
        ? x.Identity()
        : TokenPooling.Pool(x, HasClsToken ? 1 : 0, [featSize.H, featSize.W], ShortcutPoolAttn, out _);
}
