namespace TokenVision.Models.ResNet;

/// <summary>ResNet settings; properties are timm's <c>ResNet</c> keyword arguments in PascalCase.</summary>
/// <remarks>
/// Only the graph of timm's default ResNet (7x7 stem, max-pool, conv downsample, output stride 32) is built;
/// the stem and downsample variants (<c>stem_type</c> 'deep', <c>avg_down</c>, ...) are rejected with an error
/// instead of being ignored.
/// </remarks>
public sealed record ResNetConfig : ModelConfig
{
    /// <summary>Residual block type.</summary>
    public ResNetBlockType Block { get; init; } = ResNetBlockType.Basic;

    /// <summary>Blocks per stage (resnet18: 2, 2, 2, 2).</summary>
    public int[] Layers { get; init; } = [2, 2, 2, 2];

    /// <summary>Base width ("planes") per stage; a stage outputs channels × block expansion.</summary>
    public int[] Channels { get; init; } = [64, 128, 256, 512];

    /// <summary>
    /// Stem width. timm uses it only for the deep stems; the default 7x7 stem always has 64 channels.
    /// </summary>
    public int StemWidth { get; init; } = 64;

    /// <summary>Stem type: only '' (single 7x7 convolution) is supported.</summary>
    public string StemType { get; init; } = "";

    /// <summary>Replace the stem max-pool by a strided convolution (not supported).</summary>
    public bool ReplaceStemPool { get; init; }

    /// <summary>Network output stride: only 32 is supported (no dilated stages).</summary>
    public int OutputStride { get; init; } = 32;

    /// <summary>Convolution groups of the bottleneck 3x3 convolution (ResNeXt); 1 for BasicBlock.</summary>
    public int Cardinality { get; init; } = 1;

    /// <summary>Bottleneck width factor: width = floor(planes · base_width / 64) · cardinality; 64 for BasicBlock.</summary>
    public int BaseWidth { get; init; } = 64;

    /// <summary>Reduction of the first convolution's width in each block: only 1 is supported.</summary>
    public int BlockReduceFirst { get; init; } = 1;

    /// <summary>Kernel size of the downsample convolution: only 1 is supported.</summary>
    public int DownKernelSize { get; init; } = 1;

    /// <summary>Average-pool in the downsample path (ResNet-D): not supported.</summary>
    public bool AvgDown { get; init; }

    /// <summary>Pooling before the classifier: "avg", "max" or "avgmax".</summary>
    public string GlobalPool { get; init; } = "avg";

    /// <summary>Dropout before the classifier.</summary>
    public float DropRate { get; init; }

    /// <summary>Stochastic-depth rate, increasing linearly over all blocks up to this value.</summary>
    public float DropPathRate { get; init; }

    /// <summary>DropBlock rate: only 0 is supported.</summary>
    public float DropBlockRate { get; init; }

    /// <summary>Zero-initialise the last BatchNorm weight of every block, so each block starts as the identity.</summary>
    public bool ZeroInitLast { get; init; } = true;
}
