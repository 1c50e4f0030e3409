namespace TokenVision.Data;

/// <summary>
/// The training arguments of timm's <c>create_transform(is_training=True, ...)</c> (<c>transforms_imagenet_train</c>), with
/// timm's defaults.
/// </summary>
public sealed record TrainTransformConfig
{
    /// <summary>RandomResizedCrop area range.</summary>
    public (double Min, double Max) Scale { get; init; } = (0.08, 1.0);

    /// <summary>RandomResizedCrop aspect range.</summary>
    public (double Min, double Max) Ratio { get; init; } = (3.0 / 4.0, 4.0 / 3.0);

    /// <summary>Horizontal flip probability.</summary>
    public double HFlip { get; init; } = 0.5;

    /// <summary>Vertical flip probability.</summary>
    public double VFlip { get; init; }

    /// <summary>Colour jitter amounts: one value (brightness, contrast and saturation), three, or four (with hue); null disables it.</summary>
    public IReadOnlyList<double>? ColorJitter { get; init; } = [0.4];

    /// <summary>Chance the colour jitter is applied at all, or null for always.</summary>
    public double? ColorJitterProb { get; init; }

    /// <summary>Keep colour jitter when an auto-augment policy is set (timm turns it off unless the policy contains "3a").</summary>
    public bool ForceColorJitter { get; init; }

    /// <summary>Auto-augment policy; only RandAugment strings ("rand-m9-mstd0.5-inc1", ...) are supported.</summary>
    public string? AutoAugment { get; init; }

    /// <summary>Train-time interpolation: "random" (bilinear or bicubic per image, timm's default) or a filter name; null uses the data config's.</summary>
    public string? Interpolation { get; init; } = "random";

    /// <summary>Random-erasing probability (0 disables it).</summary>
    public double ReProb { get; init; }

    /// <summary>Random-erasing fill: "const", "rand" or "pixel".</summary>
    public string ReMode { get; init; } = "const";

    /// <summary>Most random-erasing rectangles per image.</summary>
    public int ReCount { get; init; } = 1;
}
