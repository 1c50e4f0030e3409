namespace TokenVision.Models.TorchvisionSwin;

/// <summary>
/// torchvision Swin Transformer settings; properties are the keyword arguments of
/// <c>torchvision.models.swin_transformer.SwinTransformer</c> in PascalCase (defaults: <c>swin_t</c>).
/// </summary>
public sealed record TorchvisionSwinConfig : ModelConfig
{
    /// <summary>Patch size of the embedding convolution.</summary>
    public (int H, int W) PatchSize { get; init; } = (4, 4);

    /// <summary>Channels of the first stage; stage i has <c>EmbedDim · 2^i</c>.</summary>
    public int EmbedDim { get; init; } = 96;

    /// <summary>Blocks per stage.</summary>
    public int[] Depths { get; init; } = [2, 2, 6, 2];

    /// <summary>Attention heads per stage.</summary>
    public int[] NumHeads { get; init; } = [3, 6, 12, 24];

    /// <summary>Attention window (height, width); maps are zero-padded to a multiple of it.</summary>
    public (int H, int W) WindowSize { get; init; } = (7, 7);

    /// <summary>MLP hidden width as a multiple of the stage width.</summary>
    public float MlpRatio { get; init; } = 4f;

    /// <summary>Dropout after the attention projection and in the MLP.</summary>
    public float Dropout { get; init; }

    /// <summary>Dropout on attention weights.</summary>
    public float AttentionDropout { get; init; }

    /// <summary>Stochastic-depth rate ("row" mode), increasing linearly over all blocks up to this value.</summary>
    public float StochasticDepthProb { get; init; }
}
