using TokenVision.Models.MViT;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// Space-time pooling attention (Fan et al., 2021; Li et al., 2022) as torchvision's video MViT
/// <c>MultiscaleAttention</c>: q, k, v pooled by depthwise 3-D convs + LayerNorm, decomposed (t, h, w) relative
/// positions with tables resampled to the pooled sizes, and residual pooling. Keys: <c>rel_pos_h</c>,
/// <c>rel_pos_w</c>, <c>rel_pos_t</c>, <c>qkv</c>, <c>project.0</c>, <c>pool_q</c>, <c>pool_k</c>, <c>pool_v</c>.
/// </summary>
public sealed class MultiscaleAttention : Module
{
    /// <summary>Creates the layer for an input grid <paramref name="inputSize"/> (t, h, w).</summary>
    /// <param name="inputSize">Token grid (t, h, w) the relative-position tables are sized for.</param>
    /// <param name="embedDim">Input width.</param>
    /// <param name="outputDim">Attention (and output) width.</param>
    /// <param name="cnf">The block's heads, kernels and strides.</param>
    /// <param name="residualPool">Add the pooled queries to the attention output.</param>
    /// <param name="residualWithClsEmbed">Include the class token in that addition.</param>
    /// <param name="relPosEmbed">Use decomposed relative positions.</param>
    /// <param name="dropout">Dropout after the projection.</param>
    /// <param name="generator">Initialisation randomness.</param>
    public MultiscaleAttention(IReadOnlyList<int> inputSize, int embedDim, int outputDim, MSBlockConfig cnf, bool residualPool,
        bool residualWithClsEmbed, bool relPosEmbed, float dropout, Generator generator)
    {
        if (outputDim % cnf.NumHeads != 0)
            throw new ArgumentException($"MViT attention: width {outputDim} is not divisible by {cnf.NumHeads} heads");
        NumHeads = cnf.NumHeads;
        OutputDim = outputDim;
        HeadDim = outputDim / NumHeads;
        Scaler = 1f / MathF.Sqrt(HeadDim);
        ResidualPool = residualPool;
        ResidualWithClsEmbed = residualWithClsEmbed;

        Qkv = Register("qkv", new Linear(embedDim, 3 * outputDim, generator));
        Project = Register("project", dropout > 0
            ? new Sequential(new Linear(outputDim, outputDim, generator), new Dropout(dropout))
            : new Sequential(new Linear(outputDim, outputDim, generator)));

        if (Product(cnf.KernelQ) > 1 || Product(cnf.StrideQ) > 1)
            PoolQ = Register("pool_q", DepthwisePool(HeadDim, cnf.KernelQ, cnf.StrideQ, generator));
        if (Product(cnf.KernelKv) > 1 || Product(cnf.StrideKv) > 1)
        {
            PoolK = Register("pool_k", DepthwisePool(HeadDim, cnf.KernelKv, cnf.StrideKv, generator));
            PoolV = Register("pool_v", DepthwisePool(HeadDim, cnf.KernelKv, cnf.StrideKv, generator));
        }

        if (relPosEmbed)
        {
            // Spatial tables cover 2·max(q, kv) − 1 offsets of the larger side; the temporal table the input frames.
            var size = Math.Max(inputSize[1], inputSize[2]);
            var qSize = cnf.StrideQ.Length > 0 ? size / cnf.StrideQ[1] : size;
            var kvSize = cnf.StrideKv.Length > 0 ? size / cnf.StrideKv[1] : size;
            var spatialDim = 2 * Math.Max(qSize, kvSize) - 1;
            var temporalDim = 2 * inputSize[0] - 1;
            RelPosH = RegisterParameter("rel_pos_h", Tensor.Zeros(spatialDim, HeadDim));
            RelPosW = RegisterParameter("rel_pos_w", Tensor.Zeros(spatialDim, HeadDim));
            RelPosT = RegisterParameter("rel_pos_t", Tensor.Zeros(temporalDim, HeadDim));
            Init.TruncNormal(RelPosH, generator);
            Init.TruncNormal(RelPosW, generator);
            Init.TruncNormal(RelPosT, generator);
        }
    }

    /// <summary>Attention heads.</summary>
    public int NumHeads { get; }

    /// <summary>Attention (and output) width.</summary>
    public int OutputDim { get; }

    /// <summary>Width per head.</summary>
    public int HeadDim { get; }

    /// <summary>1/sqrt(head_dim).</summary>
    public float Scaler { get; }

    /// <summary>Whether the pooled queries are added to the attention output.</summary>
    public bool ResidualPool { get; }

    /// <summary>Whether that addition includes the class token.</summary>
    public bool ResidualWithClsEmbed { get; }

    /// <summary>q, k, v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection (and dropout).</summary>
    public Sequential Project { get; }

    /// <summary>Query pooling, or null.</summary>
    public Pool? PoolQ { get; }

    /// <summary>Key pooling, or null. Its norm's bias shifts every key equally, so it cannot change the softmax.</summary>
    public Pool? PoolK { get; }

    /// <summary>Value pooling, or null.</summary>
    public Pool? PoolV { get; }

    /// <summary>Relative positions along the height, or null.</summary>
    public Tensor? RelPosH { get; }

    /// <summary>Relative positions along the width, or null.</summary>
    public Tensor? RelPosW { get; }

    /// <summary>Relative positions along time, or null.</summary>
    public Tensor? RelPosT { get; }

    /// <summary>[B, 1 + T·H·W, embed] → [B, 1 + T'·H'·W', output]; <paramref name="thw"/> becomes the query grid.</summary>
    public Tensor Forward(Tensor x, ref int[] thw)
    {
        var (b, n) = (x.Shape[0], x.Shape[1]);
        using var qkv = Qkv.Forward(x);                                  // [B, N, 3·D]
        using var split = qkv.Reshape(b, n, 3, NumHeads, HeadDim);
        using var heads = split.Permute(2, 0, 3, 1, 4);                  // [3, B, heads, N, hd]
        using var q0 = heads.Select(0, 0);
        using var k0 = heads.Select(0, 1);
        using var v0 = heads.Select(0, 2);

        var kThw = thw;
        var qThw = thw;
        using var k = PoolK is null ? k0.Identity() : PoolK.Forward(k0, thw, out kThw);
        using var v = PoolV is null ? v0.Identity() : PoolV.Forward(v0, thw, out _);
        using var q = PoolQ is null ? q0.Identity() : PoolQ.Forward(q0, thw, out qThw);
        thw = qThw;

        // softmax(q·kᵀ/√d + rel_pos(q)) · v
        using var bias = RelPosBias(q, qThw, kThw);
        using var attended = Functional.ScaledDotProductAttention(q, k, v, bias, scale: Scaler);
        using var residual = ResidualPool ? AddPooledQueries(attended, q) : attended.Identity();
        using var merged = residual.Transpose(1, 2);                     // [B, Nq, heads, hd]
        using var tokens = merged.Reshape(b, -1, OutputDim);
        return Project.Forward(tokens);
    }

    /// <summary>The decomposed (t, h, w) bias, each table linearly resampled to 2·max(q, k) − 1 rows first; null without relative positions.</summary>
    private Tensor? RelPosBias(Tensor q, int[] qThw, int[] kThw)
    {
        if (RelPosH is null || RelPosW is null || RelPosT is null)
            return null;
        using var t = RelativePosition.Interpolate(RelPosT, RelativePosition.TableSize(qThw[0], kThw[0]));
        using var h = RelativePosition.Interpolate(RelPosH, RelativePosition.TableSize(qThw[1], kThw[1]));
        using var w = RelativePosition.Interpolate(RelPosW, RelativePosition.TableSize(qThw[2], kThw[2]));
        return RelativePosition.Bias(q, 1, qThw, kThw, [t, h, w], torchvisionOrder: true);
    }

    private Tensor AddPooledQueries(Tensor attended, Tensor q)
    {
        if (ResidualWithClsEmbed)
            return attended + q;
        // Only the grid tokens get the pooled query back; the class token's row stays as attention left it.
        using var gridQueries = q.Narrow(2, 1, q.Shape[2] - 1);
        using var padded = gridQueries.Pad([0, 0, 1, 0]);
        return attended + padded;
    }

    private static Pool DepthwisePool(int channels, int[] kernel, int[] stride, Generator g)
    {
        if (kernel.Length != 3 || stride.Length != 3)
            throw new ArgumentException($"MViT pooling needs a 3-D kernel and stride, got [{string.Join(", ", kernel)}] and [{string.Join(", ", stride)}]");
        var conv = new Conv3d(channels, channels, (kernel[0], kernel[1], kernel[2]), g, (stride[0], stride[1], stride[2]),
            (kernel[0] / 2, kernel[1] / 2, kernel[2] / 2), groups: channels, bias: false);
        return new Pool(conv, new LayerNorm(channels, 1e-6f));
    }

    internal static int Product(int[] values) => values.Aggregate(1, (a, v) => a * v);
}
