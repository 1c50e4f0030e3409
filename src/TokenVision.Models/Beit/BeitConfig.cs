namespace TokenVision.Models.Beit;

/// <summary>BEiT settings; properties are timm's <c>Beit</c> keyword arguments in PascalCase (class defaults).</summary>
public sealed record BeitConfig : ModelConfig
{
    /// <summary>Input image size (height, width); BEiT's relative position bias fixes it.</summary>
    public (int H, int W) ImgSize { get; init; } = (224, 224);

    /// <summary>Patch size.</summary>
    public (int H, int W) PatchSize { get; init; } = (16, 16);

    /// <summary>Pooling for the head: "avg" (mean of the patch tokens, then fc_norm) or "token" (class token after the final norm).</summary>
    public string GlobalPool { get; init; } = "avg";

    /// <summary>Token width.</summary>
    public int EmbedDim { get; init; } = 768;

    /// <summary>Number of blocks.</summary>
    public int Depth { get; init; } = 12;

    /// <summary>Attention heads.</summary>
    public int NumHeads { get; init; } = 12;

    /// <summary>Learned q and v biases (the k bias is fixed at zero).</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>MLP hidden width as a multiple of <see cref="EmbedDim"/>.</summary>
    public float MlpRatio { get; init; } = 4f;

    /// <summary>SwiGLU MLP (not supported).</summary>
    public bool SwigluMlp { get; init; }

    /// <summary>LayerNorm inside the MLP, after the activation.</summary>
    public bool ScaleMlp { get; init; }

    /// <summary>Dropout before the classifier.</summary>
    public float DropRate { get; init; }

    /// <summary>Dropout after the position embedding.</summary>
    public float PosDropRate { get; init; }

    /// <summary>Dropout after projections.</summary>
    public float ProjDropRate { get; init; }

    /// <summary>Dropout on attention weights.</summary>
    public float AttnDropRate { get; init; }

    /// <summary>Stochastic-depth rate, increasing linearly over the blocks up to this value.</summary>
    public float DropPathRate { get; init; }

    /// <summary>Initial layer-scale value (<c>gamma_1</c>/<c>gamma_2</c>); null or 0 disables layer scale.</summary>
    public float? InitValues { get; init; }

    /// <summary>Learned absolute position embedding (<c>pos_embed</c>, covering the class token).</summary>
    public bool UseAbsPosEmb { get; init; } = true;

    /// <summary>A relative position bias table in every attention block.</summary>
    public bool UseRelPosBias { get; init; }

    /// <summary>One relative position bias table shared by all blocks (<c>rel_pos_bias</c>).</summary>
    public bool UseSharedRelPosBias { get; init; }

    /// <summary>Factor applied to the classifier's initial weight and bias.</summary>
    public float HeadInitScale { get; init; } = 0.001f;
}
