namespace TokenVision.Models;

/// <summary>
/// The data settings a model was trained with, as timm's <c>pretrained_cfg</c>: input size, resize/crop and
/// normalisation. The eval transform is built from these.
/// </summary>
public sealed record PretrainedConfig
{
    /// <summary>ImageNet channel means.</summary>
    public static readonly float[] ImagenetMean = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet channel standard deviations.</summary>
    public static readonly float[] ImagenetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>Inception-style (0.5) mean and std.</summary>
    public static readonly float[] InceptionMeanStd = [0.5f, 0.5f, 0.5f];

    /// <summary>[C, H, W] of the input.</summary>
    public int[] InputSize { get; init; } = [3, 224, 224];

    /// <summary>Resize interpolation: "bicubic", "bilinear" or "nearest".</summary>
    public string Interpolation { get; init; } = "bicubic";

    /// <summary>Fraction of the resized image kept by the centre crop.</summary>
    public float CropPct { get; init; } = 0.9f;

    /// <summary>[C, H, W] timm's validation uses instead of <see cref="InputSize"/> (<c>test_input_size</c>), or null.</summary>
    public int[]? TestInputSize { get; init; }

    /// <summary>Crop fraction that goes with the test size (<c>test_crop_pct</c>), or null for <see cref="CropPct"/>.</summary>
    public float? TestCropPct { get; init; }

    /// <summary>"center", "squash" or "border".</summary>
    public string CropMode { get; init; } = "center";

    /// <summary>Per-channel mean subtracted after scaling to [0, 1].</summary>
    public float[] Mean { get; init; } = ImagenetMean;

    /// <summary>Per-channel standard deviation divided by.</summary>
    public float[] Std { get; init; } = ImagenetStd;

    /// <summary>Classes of the pretrained head.</summary>
    public int NumClasses { get; init; } = 1000;

    /// <summary>Key prefix of the first convolution.</summary>
    public string FirstConv { get; init; } = "patch_embed.proj";

    /// <summary>Key prefix(es) of the classifier.</summary>
    public string[] Classifier { get; init; } = ["head"];
}
