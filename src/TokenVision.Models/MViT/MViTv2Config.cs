namespace TokenVision.Models.MViT;

/// <summary>
/// MViTv2 settings: the fields of timm's <c>MultiScaleVitCfg</c> and the keyword arguments of <c>MultiScaleVit</c>, in
/// PascalCase. A config.json binds <c>model_cfg</c> and then <c>model_args</c> onto this record.
/// </summary>
/// <remarks>
/// As in timm, <see cref="EmbedDim"/> and <see cref="NumHeads"/> may hold a single value that doubles per stage, and
/// a null <see cref="StrideKv"/> is derived from <see cref="StrideKvAdaptive"/>; <see cref="Resolved"/> applies both
/// (timm's <c>__post_init__</c>).
/// </remarks>
public sealed record MViTv2Config : ModelConfig
{
    /// <summary>Blocks per stage.</summary>
    public int[] Depths { get; init; } = [2, 3, 16, 3];

    /// <summary>Width per stage, or one value doubled per stage.</summary>
    public int[] EmbedDim { get; init; } = [96];

    /// <summary>Attention heads per stage, or one value doubled per stage.</summary>
    public int[] NumHeads { get; init; } = [1];

    /// <summary>MLP hidden width as a multiple of the attention width.</summary>
    public float MlpRatio { get; init; } = 4f;

    /// <summary>Pool before the q/k/v projections (timm's <c>MultiScaleAttentionPoolFirst</c>; not supported).</summary>
    public bool PoolFirst { get; init; }

    /// <summary>Attention already produces the block's output width (else the MLP widens).</summary>
    public bool ExpandAttn { get; init; } = true;

    /// <summary>Bias on the qkv projection.</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>Prepend a class token (pooling then uses it by default).</summary>
    public bool UseClsToken { get; init; }

    /// <summary>Learned absolute position embedding after the patch embedding.</summary>
    public bool UseAbsPos { get; init; }

    /// <summary>Add the pooled queries to the attention output (MViTv2's residual pooling connection).</summary>
    public bool ResidualPooling { get; init; } = true;

    /// <summary>Pooling operator of q/k/v: "conv" (depthwise conv + LayerNorm per head), "conv_unshared", "max" or "avg".</summary>
    public string Mode { get; init; } = "conv";

    /// <summary>Pooling kernel of q, k and v.</summary>
    public (int H, int W) KernelQkv { get; init; } = (3, 3);

    /// <summary>Query stride per stage (applied in each stage's first block).</summary>
    public (int H, int W)[] StrideQ { get; init; } = [(1, 1), (2, 2), (2, 2), (2, 2)];

    /// <summary>Key/value stride per stage; null derives it from <see cref="StrideKvAdaptive"/>.</summary>
    public (int H, int W)[]? StrideKv { get; init; }

    /// <summary>Key/value stride of the first stage, divided by each later query stride.</summary>
    public (int H, int W)? StrideKvAdaptive { get; init; } = (4, 4);

    /// <summary>Patch embedding kernel.</summary>
    public (int H, int W) PatchKernel { get; init; } = (7, 7);

    /// <summary>Patch embedding stride.</summary>
    public (int H, int W) PatchStride { get; init; } = (4, 4);

    /// <summary>Patch embedding padding.</summary>
    public (int H, int W) PatchPadding { get; init; } = (3, 3);

    /// <summary>Kept for config compatibility; timm does not use it.</summary>
    public string PoolType { get; init; } = "max";

    /// <summary>"spatial" for decomposed relative positions; anything else disables them.</summary>
    public string RelPosType { get; init; } = "spatial";

    /// <summary>Activation of the MLP; timm always uses GELU, so only "gelu" is accepted.</summary>
    public string ActLayer { get; init; } = "gelu";

    /// <summary>Normalisation layer; only "layernorm".</summary>
    public string NormLayer { get; init; } = "layernorm";

    /// <summary>LayerNorm epsilon.</summary>
    public float NormEps { get; init; } = 1e-6f;

    /// <summary>Input image size (height, width).</summary>
    public (int H, int W) ImgSize { get; init; } = (224, 224);

    /// <summary>Head pooling: "avg", "token" or "" (none); null picks "token" with a class token, else "avg".</summary>
    public string? GlobalPool { get; init; }

    /// <summary>Stochastic-depth rate, increasing linearly over all blocks up to this value.</summary>
    public float DropPathRate { get; init; }

    /// <summary>Dropout before the classifier.</summary>
    public float DropRate { get; init; }

    /// <summary>
    /// The configuration with per-stage widths and heads spelled out and the key/value strides derived, as timm's
    /// <c>MultiScaleVitCfg.__post_init__</c>.
    /// </summary>
    public MViTv2Config Resolved()
    {
        var stages = Depths.Length;
        if (stages == 0)
            throw new ArgumentException("MViTv2: depths is empty");
        var dims = PerStage(EmbedDim, stages, nameof(EmbedDim));
        var heads = PerStage(NumHeads, stages, nameof(NumHeads));
        if (StrideQ.Length != stages)
            throw new ArgumentException($"MViTv2: stride_q has {StrideQ.Length} entries for {stages} stages");
        var strideKv = StrideKv;
        if (strideKv is null && StrideKvAdaptive is { } adaptive)
        {
            var current = adaptive;
            strideKv = new (int H, int W)[stages];
            for (var i = 0; i < stages; i++)
            {
                if (Math.Min(StrideQ[i].H, StrideQ[i].W) > 1)
                    current = (Math.Max(current.H / StrideQ[i].H, 1), Math.Max(current.W / StrideQ[i].W, 1));
                strideKv[i] = current;
            }
        }
        if (strideKv is null)
            throw new ArgumentException("MViTv2: stride_kv and stride_kv_adaptive are both null");
        if (strideKv.Length != stages)
            throw new ArgumentException($"MViTv2: stride_kv has {strideKv.Length} entries for {stages} stages");
        return this with { EmbedDim = dims, NumHeads = heads, StrideKv = strideKv };
    }

    private static int[] PerStage(int[] values, int stages, string name) => values.Length switch
    {
        1 => [.. Enumerable.Range(0, stages).Select(i => values[0] << i)],
        var n when n == stages => [.. values],
        _ => throw new ArgumentException($"MViTv2: {name} has {values.Length} entries for {stages} stages"),
    };
}
