namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// One block of a torchvision MViT (<c>MSBlockConfig</c>): heads, widths, and the pooling kernels and strides as
/// (t, h, w). An empty kernel or stride list means 1 in every dimension.
/// </summary>
public sealed record MSBlockConfig
{
    /// <summary>Attention heads.</summary>
    public int NumHeads { get; init; }

    /// <summary>Input width.</summary>
    public int InputChannels { get; init; }

    /// <summary>Output width.</summary>
    public int OutputChannels { get; init; }

    /// <summary>Query pooling kernel (t, h, w).</summary>
    public int[] KernelQ { get; init; } = [];

    /// <summary>Key/value pooling kernel (t, h, w).</summary>
    public int[] KernelKv { get; init; } = [];

    /// <summary>Query pooling stride (t, h, w); &gt; 1 downsamples the token grid.</summary>
    public int[] StrideQ { get; init; } = [];

    /// <summary>Key/value pooling stride (t, h, w).</summary>
    public int[] StrideKv { get; init; } = [];
}
