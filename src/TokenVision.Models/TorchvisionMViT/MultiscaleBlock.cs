using TokenVision.Models.MViT;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// A video MViT block as torchvision's <c>MultiscaleBlock</c>: pooling attention with a max-pooled shortcut, then the
/// MLP; when the width changes, the shortcut is projected before (MViTv2, <c>proj_after_attn</c>) or after the
/// attention residual. Keys: <c>norm1</c>, <c>norm2</c>, <c>attn</c>, <c>mlp.0</c>, <c>mlp.3</c>, <c>project</c>.
/// </summary>
public sealed class MultiscaleBlock : Module
{
    /// <summary>Creates the block for an input grid <paramref name="inputSize"/> (t, h, w).</summary>
    /// <param name="inputSize">Token grid (t, h, w) at the configured input size.</param>
    /// <param name="cnf">Heads, widths, kernels and strides.</param>
    /// <param name="config">Supplies residual_pool, residual_with_cls_embed, rel_pos_embed and proj_after_attn.</param>
    /// <param name="dropout">Attention-projection and MLP dropout.</param>
    /// <param name="stochasticDepthProb">Stochastic-depth rate of both branches.</param>
    /// <param name="generator">Initialisation randomness.</param>
    public MultiscaleBlock(IReadOnlyList<int> inputSize, MSBlockConfig cnf, VideoMViTConfig config, float dropout, float stochasticDepthProb,
        Generator generator)
    {
        ProjAfterAttn = config.ProjAfterAttn;
        if (MultiscaleAttention.Product(cnf.StrideQ) > 1)
            PoolSkip = Register("pool_skip", new Pool(SpatialPool.Shortcut(cnf.StrideQ), null));
        var attnDim = ProjAfterAttn ? cnf.OutputChannels : cnf.InputChannels;
        Norm1 = Register("norm1", new LayerNorm(cnf.InputChannels, 1e-6f));
        Norm2 = Register("norm2", new LayerNorm(attnDim, 1e-6f));
        Attn = Register("attn", new MultiscaleAttention(inputSize, cnf.InputChannels, attnDim, cnf, config.ResidualPool,
            config.ResidualWithClsEmbed, config.RelPosEmbed, dropout, generator));
        // torchvision.ops.MLP: Linear, GELU, Dropout, Linear, Dropout.
        Mlp = Register("mlp", new Sequential(
            new Linear(attnDim, 4 * attnDim, generator),
            new Activation(ActivationKind.Gelu),
            new Dropout(dropout),
            new Linear(4 * attnDim, cnf.OutputChannels, generator),
            new Dropout(dropout)));
        StochasticDepth = Register("stochastic_depth", new DropPath(stochasticDepthProb));
        if (cnf.InputChannels != cnf.OutputChannels)
            Project = Register("project", new Linear(cnf.InputChannels, cnf.OutputChannels, generator));
    }

    /// <summary>Whether the shortcut is widened before the attention residual (else before the MLP residual).</summary>
    public bool ProjAfterAttn { get; }

    /// <summary>Max-pools the shortcut to the query grid when the query stride is &gt; 1, or null.</summary>
    public Pool? PoolSkip { get; }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Norm before the MLP.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Pooling attention.</summary>
    public MultiscaleAttention Attn { get; }

    /// <summary>Feed-forward block.</summary>
    public Sequential Mlp { get; }

    /// <summary>Stochastic depth of both branches (row mode).</summary>
    public DropPath StochasticDepth { get; }

    /// <summary>Widens the (normalised) shortcut when the width changes, or null.</summary>
    public Linear? Project { get; }

    /// <summary>[B, 1 + T·H·W, in] → [B, 1 + T'·H'·W', out]; <paramref name="thw"/> becomes the output grid.</summary>
    public Tensor Forward(Tensor x, ref int[] thw)
    {
        var inThw = thw;
        using var xNorm1 = Norm1.Forward(x);
        using var xAttn = Attn.Forward(xNorm1, ref thw);
        using var projected = Project is null || !ProjAfterAttn ? x.Identity() : Project.Forward(xNorm1);
        using var skip = PoolSkip is null ? projected.Identity() : PoolSkip.Forward(projected, inThw, out _);
        using var dropped = StochasticDepth.Forward(xAttn);
        using var x1 = skip + dropped;

        using var xNorm2 = Norm2.Forward(x1);
        using var shortcut = Project is null || ProjAfterAttn ? x1.Identity() : Project.Forward(xNorm2);
        using var mlp = Mlp.Forward(xNorm2);
        using var dropped2 = StochasticDepth.Forward(mlp);
        return shortcut + dropped2;
    }
}
