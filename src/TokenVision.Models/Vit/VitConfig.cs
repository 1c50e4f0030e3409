namespace TokenVision.Models.Vit;

/// <summary>Vision Transformer settings; properties are timm's <c>VisionTransformer</c> keyword arguments in PascalCase.</summary>
public sealed record VitConfig : ModelConfig
{
    /// <summary>Input image size (height, width).</summary>
    public (int H, int W) ImgSize { get; init; } = (224, 224);

    /// <summary>Patch size.</summary>
    public (int H, int W) PatchSize { get; init; } = (16, 16);

    /// <summary>Pooling for the head: "token", "avg", "avgmax", "max" or "" (none).</summary>
    public string GlobalPool { get; init; } = "token";

    /// <summary>Token width.</summary>
    public int EmbedDim { get; init; } = 768;

    /// <summary>Number of blocks.</summary>
    public int Depth { get; init; } = 12;

    /// <summary>Attention heads.</summary>
    public int NumHeads { get; init; } = 12;

    /// <summary>MLP hidden width as a multiple of <see cref="EmbedDim"/>.</summary>
    public float MlpRatio { get; init; } = 4f;

    /// <summary>Bias on the qkv projection.</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>LayerNorm on queries and keys per head.</summary>
    public bool QkNorm { get; init; }

    /// <summary>Layer-scale initial value; null disables layer scale.</summary>
    public float? InitValues { get; init; }

    /// <summary>Whether a class token is prepended.</summary>
    public bool ClassToken { get; init; } = true;

    /// <summary>Position embedding covers only the patch tokens (added before the prefix tokens are concatenated).</summary>
    public bool NoEmbedClass { get; init; }

    /// <summary>Number of register tokens.</summary>
    public int RegTokens { get; init; }

    /// <summary>LayerNorm before the blocks (and no bias on the patch projection), as CLIP.</summary>
    public bool PreNorm { get; init; }

    /// <summary>Final norm (either <c>norm</c> or <c>fc_norm</c>).</summary>
    public bool FinalNorm { get; init; } = true;

    /// <summary>Norm after pooling instead of before; null means "when pooling is avg, avgmax or max".</summary>
    public bool? FcNorm { get; init; }

    /// <summary>Accept any input size, resampling the position embedding bicubically.</summary>
    public bool DynamicImgSize { get; init; }

    /// <summary>Dropout before the classifier.</summary>
    public float DropRate { get; init; }

    /// <summary>Dropout after adding the position embedding.</summary>
    public float PosDropRate { get; init; }

    /// <summary>Dropout after projections.</summary>
    public float ProjDropRate { get; init; }

    /// <summary>Dropout on attention weights.</summary>
    public float AttnDropRate { get; init; }

    /// <summary>Stochastic-depth rate, increasing linearly over the blocks up to this value.</summary>
    public float DropPathRate { get; init; }

    /// <summary>LayerNorm epsilon (timm: 1e-6).</summary>
    public float NormEps { get; init; } = 1e-6f;
}
