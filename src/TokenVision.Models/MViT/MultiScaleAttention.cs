using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>
/// Pooling attention (Fan et al., 2021; Li et al., 2022): q, k and v are pooled on the token grid (depthwise conv +
/// LayerNorm per head in "conv" mode), attention adds decomposed relative positions, and the pooled queries are added
/// back (residual pooling). Keys as timm's <c>MultiScaleAttention</c>: <c>rel_pos_h</c>, <c>rel_pos_w</c>, <c>qkv</c>,
/// <c>proj</c>, <c>pool_q</c>, <c>norm_q</c>, <c>pool_k</c>, <c>norm_k</c>, <c>pool_v</c>, <c>norm_v</c>.
/// </summary>
public sealed class MultiScaleAttention : Module
{
    /// <summary>Creates the layer for a <paramref name="featSize"/> token grid.</summary>
    /// <param name="dim">Input width.</param>
    /// <param name="dimOut">Attention width (q, k, v and output).</param>
    /// <param name="featSize">Input grid the relative-position tables are sized for.</param>
    /// <param name="numHeads">Attention heads.</param>
    /// <param name="config">Supplies qkv_bias, mode, kernel_qkv, rel_pos_type, residual_pooling and norm_eps.</param>
    /// <param name="strideQ">Query pooling stride.</param>
    /// <param name="strideKv">Key/value pooling stride.</param>
    /// <param name="generator">Initialisation randomness.</param>
    public MultiScaleAttention(int dim, int dimOut, (int H, int W) featSize, int numHeads, MViTv2Config config,
        (int H, int W) strideQ, (int H, int W) strideKv, Generator generator)
    {
        if (dimOut % numHeads != 0)
            throw new ArgumentException($"MViTv2 attention: width {dimOut} is not divisible by {numHeads} heads");
        NumHeads = numHeads;
        DimOut = dimOut;
        HeadDim = dimOut / numHeads;
        Scale = 1f / MathF.Sqrt(HeadDim);
        HasClsToken = config.UseClsToken;
        ResidualPooling = config.ResidualPooling;
        var kernel = config.KernelQkv;
        var padding = (kernel.H / 2, kernel.W / 2);

        Qkv = Register("qkv", new Linear(dim, dimOut * 3, generator, config.QkvBias));
        Proj = Register("proj", new Linear(dimOut, dimOut, generator));

        // A 1x1 kernel with stride 1 is no pooling at all.
        var poolQ = kernel.H * kernel.W > 1 || strideQ.H * strideQ.W > 1;
        var poolKv = kernel.H * kernel.W > 1 || strideKv.H * strideKv.W > 1;
        switch (config.Mode)
        {
            case "max" or "avg":
            {
                var max = config.Mode == "max";
                if (poolQ)
                    PoolQ = Register("pool_q", new SpatialPool(max, [kernel.H, kernel.W], [strideQ.H, strideQ.W], [padding.Item1, padding.Item2]));
                if (poolKv)
                {
                    PoolK = Register("pool_k", new SpatialPool(max, [kernel.H, kernel.W], [strideKv.H, strideKv.W], [padding.Item1, padding.Item2]));
                    PoolV = Register("pool_v", new SpatialPool(max, [kernel.H, kernel.W], [strideKv.H, strideKv.W], [padding.Item1, padding.Item2]));
                }
                break;
            }
            case "conv" or "conv_unshared":
            {
                // "conv" shares one depthwise filter bank across heads; "conv_unshared" has one per channel, which
                // timm applies to per-head maps, so it only runs with a single head.
                var dimConv = config.Mode == "conv" ? HeadDim : dimOut;
                if (dimConv != HeadDim)
                    throw new NotSupportedException($"MViTv2 mode 'conv_unshared' needs one attention head (timm pools per head), got {numHeads}");
                if (poolQ)
                {
                    PoolQ = Register("pool_q", DepthwiseConv(dimConv, kernel, strideQ, padding, generator));
                    NormQ = Register("norm_q", new LayerNorm(dimConv, config.NormEps));
                }
                if (poolKv)
                {
                    PoolK = Register("pool_k", DepthwiseConv(dimConv, kernel, strideKv, padding, generator));
                    NormK = Register("norm_k", new LayerNorm(dimConv, config.NormEps));
                    PoolV = Register("pool_v", DepthwiseConv(dimConv, kernel, strideKv, padding, generator));
                    NormV = Register("norm_v", new LayerNorm(dimConv, config.NormEps));
                }
                break;
            }
            default:
                throw new NotSupportedException($"MViTv2: unsupported pooling mode '{config.Mode}' (conv, conv_unshared, max, avg)");
        }

        if (config.RelPosType == "spatial")
        {
            // timm sizes the tables from the configured (square) grid: 2·max(q, kv) − 1 rows.
            if (featSize.H != featSize.W)
                throw new ArgumentException($"MViTv2 spatial relative positions need a square token grid, got {featSize.H}x{featSize.W}");
            var size = featSize.H;
            var rows = 2 * Math.Max(size / strideQ.W, size / strideKv.W) - 1;
            RelPosH = RegisterParameter("rel_pos_h", Tensor.Zeros(rows, HeadDim));
            RelPosW = RegisterParameter("rel_pos_w", Tensor.Zeros(rows, HeadDim));
            Init.TruncNormal(RelPosH, generator, std: 0.02f, a: -0.04f, b: 0.04f);
            Init.TruncNormal(RelPosW, generator, std: 0.02f, a: -0.04f, b: 0.04f);
        }
    }

    /// <summary>Attention heads.</summary>
    public int NumHeads { get; }

    /// <summary>Attention (and output) width.</summary>
    public int DimOut { get; }

    /// <summary>Width per head.</summary>
    public int HeadDim { get; }

    /// <summary>1/sqrt(head_dim).</summary>
    public float Scale { get; }

    /// <summary>Whether the first token is a class token (never pooled).</summary>
    public bool HasClsToken { get; }

    /// <summary>Whether the pooled queries are added to the attention output.</summary>
    public bool ResidualPooling { get; }

    /// <summary>q, k, v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>Query pooling, or null.</summary>
    public Module<Tensor, Tensor>? PoolQ { get; }

    /// <summary>Norm after query pooling, or null.</summary>
    public LayerNorm? NormQ { get; }

    /// <summary>Key pooling, or null.</summary>
    public Module<Tensor, Tensor>? PoolK { get; }

    /// <summary>Norm after key pooling, or null. Its bias shifts every key equally, so it cannot change the softmax.</summary>
    public LayerNorm? NormK { get; }

    /// <summary>Value pooling, or null.</summary>
    public Module<Tensor, Tensor>? PoolV { get; }

    /// <summary>Norm after value pooling, or null.</summary>
    public LayerNorm? NormV { get; }

    /// <summary>[2·max(q, kv) − 1, head_dim] relative positions along the height, or null.</summary>
    public Tensor? RelPosH { get; }

    /// <summary>[2·max(q, kv) − 1, head_dim] relative positions along the width, or null.</summary>
    public Tensor? RelPosW { get; }

    /// <summary>[B, prefix + H·W, dim] → [B, prefix + H'·W', dim_out] with the query grid (H', W').</summary>
    public Tensor Forward(Tensor x, (int H, int W) featSize, out (int H, int W) qSize)
    {
        var (b, n) = (x.Shape[0], x.Shape[1]);
        var prefix = HasClsToken ? 1 : 0;
        int[] size = [featSize.H, featSize.W];
        using var qkv = Qkv.Forward(x);                                  // [B, N, 3·D]
        using var split = qkv.Reshape(b, n, 3, NumHeads, HeadDim);
        using var heads = split.Permute(2, 0, 3, 1, 4);                  // [3, B, heads, N, hd]
        using var q0 = heads.Select(0, 0);
        using var k0 = heads.Select(0, 1);
        using var v0 = heads.Select(0, 2);

        using var q = Pool(q0, PoolQ, NormQ, prefix, size, out var qGrid);   // [B, heads, prefix + Nq, hd]
        using var k = Pool(k0, PoolK, NormK, prefix, size, out var kGrid);   // [B, heads, prefix + Nk, hd]
        using var v = Pool(v0, PoolV, NormV, prefix, size, out _);
        qSize = (qGrid[0], qGrid[1]);

        // softmax(q·kᵀ/√d + rel_pos(q)) · v
        using var bias = RelPosH is null ? null : RelativePosition.Bias(q, prefix, qGrid, kGrid, [RelPosH, RelPosW!]);
        using var attended = Functional.ScaledDotProductAttention(q, k, v, bias, scale: Scale);
        using var residual = ResidualPooling ? attended + q : attended.Identity();
        using var merged = residual.Transpose(1, 2);                     // [B, Nq, heads, hd]
        using var tokens = merged.Reshape(b, -1, DimOut);
        return Proj.Forward(tokens);
    }

    private static Tensor Pool(Tensor x, Module<Tensor, Tensor>? pool, LayerNorm? norm, int prefix, int[] size, out int[] newSize)
    {
        newSize = size;
        using var pooled = pool is null ? x.Identity() : TokenPooling.Pool(x, prefix, size, pool, out newSize);
        return norm is null ? pooled.Identity() : norm.Forward(pooled);
    }

    private static Conv2d DepthwiseConv(int channels, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, Generator g) =>
        new(channels, channels, kernel, g, stride, padding, groups: channels, bias: false);
}
