namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// Settings of torchvision's video <c>MViT</c>; properties are its constructor arguments in PascalCase
/// (<c>block_setting</c> is a list of <see cref="MSBlockConfig"/>).
/// </summary>
public sealed record VideoMViTConfig : ModelConfig
{
    /// <summary>Frame size (height, width) the position tables are sized for.</summary>
    public (int H, int W) SpatialSize { get; init; } = (224, 224);

    /// <summary>Frames per clip.</summary>
    public int TemporalSize { get; init; } = 16;

    /// <summary>The blocks, in order.</summary>
    public MSBlockConfig[] BlockSetting { get; init; } = [];

    /// <summary>Add the pooled queries to the attention output (MViTv2 residual pooling).</summary>
    public bool ResidualPool { get; init; }

    /// <summary>Whether the residual pooling connection also adds the class token's query.</summary>
    public bool ResidualWithClsEmbed { get; init; } = true;

    /// <summary>MViTv2 decomposed relative positions instead of absolute position embeddings.</summary>
    public bool RelPosEmbed { get; init; }

    /// <summary>Widen the shortcut before the MLP (MViTv2) instead of after it (MViTv1).</summary>
    public bool ProjAfterAttn { get; init; }

    /// <summary>Dropout before the classifier.</summary>
    public float Dropout { get; init; } = 0.5f;

    /// <summary>Dropout after the attention projection and in the MLP.</summary>
    public float AttentionDropout { get; init; }

    /// <summary>Stochastic-depth rate, increasing linearly over the blocks up to this value.</summary>
    public float StochasticDepthProb { get; init; }

    /// <summary>Kernel (t, h, w) of the patchifying convolution.</summary>
    public (int T, int H, int W) PatchEmbedKernel { get; init; } = (3, 7, 7);

    /// <summary>Stride (t, h, w) of the patchifying convolution.</summary>
    public (int T, int H, int W) PatchEmbedStride { get; init; } = (2, 4, 4);

    /// <summary>Padding (t, h, w) of the patchifying convolution.</summary>
    public (int T, int H, int W) PatchEmbedPadding { get; init; } = (1, 3, 3);
}
