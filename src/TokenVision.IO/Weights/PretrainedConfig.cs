using System.Text.Json.Nodes;

namespace TokenVision.IO.Weights;

/// <summary>timm's <c>pretrained_cfg</c> from a hub <c>config.json</c>: the preprocessing and head a checkpoint expects.</summary>
public sealed record PretrainedConfig
{
    /// <summary>Input size <c>[C, H, W]</c> the weights were trained at.</summary>
    public int[]? InputSize { get; init; }

    /// <summary>Center-crop fraction for evaluation (e.g. 0.9: resize to <c>size / 0.9</c>, then crop).</summary>
    public double? CropPct { get; init; }

    /// <summary>Input size <c>[C, H, W]</c> timm's validation uses instead of <see cref="InputSize"/> (<c>test_input_size</c>), if any.</summary>
    public int[]? TestInputSize { get; init; }

    /// <summary>Crop fraction that goes with <see cref="TestInputSize"/> (<c>test_crop_pct</c>), if any.</summary>
    public double? TestCropPct { get; init; }

    /// <summary>Crop mode, e.g. <c>center</c>, <c>squash</c> or <c>border</c>.</summary>
    public string? CropMode { get; init; }

    /// <summary>Resize interpolation, e.g. <c>bicubic</c> or <c>bilinear</c>.</summary>
    public string? Interpolation { get; init; }

    /// <summary>Per-channel normalisation mean.</summary>
    public double[]? Mean { get; init; }

    /// <summary>Per-channel normalisation standard deviation.</summary>
    public double[]? Std { get; init; }

    /// <summary>Classes of the pretrained head.</summary>
    public int? NumClasses { get; init; }

    /// <summary>Module name of the first convolution (for in-channel adaptation), e.g. <c>patch_embed.proj</c>.</summary>
    public string? FirstConv { get; init; }

    /// <summary>Module name(s) of the classifier, e.g. <c>head</c> or <c>[head, head_dist]</c> (a single string becomes one item).</summary>
    public string[]? Classifier { get; init; }

    /// <summary>Class label names, when the config lists them.</summary>
    public string[]? LabelNames { get; init; }

    /// <summary>Pretrained tag, e.g. <c>augreg_in21k_ft_in1k</c>.</summary>
    public string? Tag { get; init; }

    /// <summary>True when the model cannot take other input sizes.</summary>
    public bool? FixedInputSize { get; init; }

    /// <summary>The whole <c>pretrained_cfg</c> object, including fields not modelled here.</summary>
    public required JsonObject Json { get; init; }
}
