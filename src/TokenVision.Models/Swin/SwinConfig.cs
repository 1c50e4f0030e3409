namespace TokenVision.Models.Swin;

/// <summary>Swin Transformer settings; properties are timm's <c>SwinTransformer</c> keyword arguments in PascalCase.</summary>
public sealed record SwinConfig : ModelConfig
{
    /// <summary>Input image size (height, width); the attention windows and shift masks are laid out for it.</summary>
    public (int H, int W) ImgSize { get; init; } = (224, 224);

    /// <summary>Patch size of the embedding convolution.</summary>
    public (int H, int W) PatchSize { get; init; } = (4, 4);

    /// <summary>Pooling for the head: "avg" (mean over H and W) or "" (none).</summary>
    public string GlobalPool { get; init; } = "avg";

    /// <summary>Channels of the first stage; stage i has <c>EmbedDim · 2^i</c>.</summary>
    public int EmbedDim { get; init; } = 96;

    /// <summary>Blocks per stage.</summary>
    public int[] Depths { get; init; } = [2, 2, 6, 2];

    /// <summary>Attention heads per stage.</summary>
    public int[] NumHeads { get; init; } = [3, 6, 12, 24];

    /// <summary>Channels per attention head; null means stage width / heads.</summary>
    public int? HeadDim { get; init; }

    /// <summary>Attention window (height, width); a stage whose feature map is no larger uses the feature size and no shift.</summary>
    public (int H, int W) WindowSize { get; init; } = (7, 7);

    /// <summary>Always partition into full windows and shift, even when the feature map is no larger than the window.</summary>
    public bool AlwaysPartition { get; init; }

    /// <summary>Inputs must have <see cref="ImgSize"/>; when false the shift masks are computed for each input size.</summary>
    public bool StrictImgSize { get; init; } = true;

    /// <summary>MLP hidden width as a multiple of the stage width.</summary>
    public float MlpRatio { get; init; } = 4f;

    /// <summary>Bias on the qkv projection.</summary>
    public bool QkvBias { get; init; } = true;

    /// <summary>Dropout before the classifier.</summary>
    public float DropRate { get; init; }

    /// <summary>Dropout after the attention and MLP projections.</summary>
    public float ProjDropRate { get; init; }

    /// <summary>Dropout on attention weights.</summary>
    public float AttnDropRate { get; init; }

    /// <summary>Stochastic-depth rate, increasing linearly over all blocks up to this value.</summary>
    public float DropPathRate { get; init; } = 0.1f;
}
