namespace TokenVision.Data;

/// <summary>
/// timm's resolved data config (<c>resolve_data_config</c>): the pretrained-cfg fields an eval or train transform is
/// built from. Plain values, so the data library does not depend on the model library.
/// </summary>
public sealed record DataConfig
{
    /// <summary>ImageNet channel means.</summary>
    public static IReadOnlyList<float> ImagenetMean { get; } = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet channel standard deviations.</summary>
    public static IReadOnlyList<float> ImagenetStd { get; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Inception-style mean and std (0.5 each).</summary>
    public static IReadOnlyList<float> InceptionMeanStd { get; } = [0.5f, 0.5f, 0.5f];

    /// <summary>timm's default crop fraction, 0.875.</summary>
    public const double DefaultCropPct = 0.875;

    /// <summary>[C, H, W] of the model input.</summary>
    public IReadOnlyList<int> InputSize { get; init; } = [3, 224, 224];

    /// <summary>Resize filter name: "bicubic", "bilinear", "nearest" (and box, hamming, lanczos).</summary>
    public string Interpolation { get; init; } = "bicubic";

    /// <summary>Fraction of the resized image the centre crop keeps; null means timm's 0.875.</summary>
    public double? CropPct { get; init; } = DefaultCropPct;

    /// <summary>"center" (resize shorter side, crop), "squash" (resize both sides, crop) or "border" (fit longer side, pad).</summary>
    public string CropMode { get; init; } = "center";

    /// <summary>Per-channel mean subtracted after scaling to [0, 1].</summary>
    public IReadOnlyList<float> Mean { get; init; } = ImagenetMean;

    /// <summary>Per-channel standard deviation divided by.</summary>
    public IReadOnlyList<float> Std { get; init; } = ImagenetStd;

    /// <summary>Pixels trimmed from every edge before resizing (timm's <c>crop_border_pixels</c>), or null.</summary>
    public int? CropBorderPixels { get; init; }

    /// <summary>Input height.</summary>
    public int Height => InputSize.Count == 3 ? InputSize[1] : throw new InvalidOperationException($"input size [{string.Join(", ", InputSize)}] is not [C, H, W]");

    /// <summary>Input width.</summary>
    public int Width => InputSize.Count == 3 ? InputSize[2] : throw new InvalidOperationException($"input size [{string.Join(", ", InputSize)}] is not [C, H, W]");

    /// <summary>Input channels.</summary>
    public int Channels => InputSize.Count == 3 ? InputSize[0] : throw new InvalidOperationException($"input size [{string.Join(", ", InputSize)}] is not [C, H, W]");

    /// <summary>Checks the values; the message names the offending field.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        if (InputSize.Count != 3 || InputSize.Any(v => v <= 0))
            throw new ArgumentException($"data config input_size [{string.Join(", ", InputSize)}] must be three positive values [C, H, W]");
        if (CropPct is { } p && !(p > 0 && p <= 10))
            throw new ArgumentException($"data config crop_pct {p} must be positive");
        if (CropMode is not ("center" or "squash" or "border"))
            throw new ArgumentException($"data config crop_mode '{CropMode}' must be center, squash or border");
        if (Mean.Count != Std.Count || (Mean.Count != 1 && Mean.Count != Channels))
            throw new ArgumentException($"data config mean ({Mean.Count} values) and std ({Std.Count} values) must have 1 or {Channels} values each");
        if (CropBorderPixels is < 0)
            throw new ArgumentException($"data config crop_border_pixels {CropBorderPixels} must not be negative");
        Transforms.InterpolationNames.Parse(Interpolation);
    }
}
