using TokenVision.Data.Transforms;

namespace TokenVision.Data;

/// <summary>
/// Builds the standard pipelines: timm's <c>create_transform</c> eval and train paths from a <see cref="DataConfig"/>,
/// and torchvision's <c>ImageClassification</c> preset (e.g. <c>ViT_B_16_Weights.IMAGENET1K_V1.transforms()</c>).
/// Inputs are expected as 8-bit RGB (timm's loaders convert with PIL's <c>convert('RGB')</c>).
/// </summary>
public static class TransformFactory
{
    /// <summary>
    /// timm's <c>transforms_imagenet_eval</c>: <c>scale = floor(size / crop_pct)</c> per side, then by crop mode —
    /// center: the shorter side to <c>scale</c> (torchvision <c>Resize(int)</c>) when the scaled size is square, else
    /// <c>ResizeKeepRatio(scale)</c> (which timm builds with bilinear interpolation), then centre crop; squash: resize both
    /// sides to <c>scale</c>, centre crop; border: fit the longer side, pad with <c>round(255 * mean)</c>, centre crop.
    /// Then to-tensor and normalise.
    /// </summary>
    public static Compose CreateEval(DataConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var cropPct = config.CropPct ?? DataConfig.DefaultCropPct;
        int h = config.Height, w = config.Width;
        var sh = (int)Math.Floor(h / cropPct);
        var sw = (int)Math.Floor(w / cropPct);
        var interpolation = InterpolationNames.Parse(config.Interpolation);
        var steps = new List<IImageTransform>();
        if (config.CropBorderPixels is > 0 and var border)
            steps.Add(new TrimBorder(border));
        switch (config.CropMode)
        {
            case "squash":
                steps.Add(new Resize(sh, sw, interpolation));
                steps.Add(new CenterCrop(h, w));
                break;
            case "border":
                var fill = config.Mean.Select(v => (byte)Math.Clamp(Math.Round(255.0 * v, MidpointRounding.ToEven), 0, 255)).ToArray();
                steps.Add(new ResizeKeepRatio(sh, sw, longest: 1.0, interpolation));
                steps.Add(new CenterCropOrPad(h, w, fill));
                break;
            default:
                steps.Add(sh == sw ? new Resize(sh, interpolation) : new ResizeKeepRatio(sh, sw));
                steps.Add(new CenterCrop(h, w));
                break;
        }
        return new Compose(steps, new ToTensorNormalize(config.Mean, config.Std));
    }

    /// <summary>
    /// timm's <c>transforms_imagenet_train</c>: RandomResizedCrop (with random or fixed interpolation), flips, then
    /// RandAugment (which turns colour jitter off unless forced or the policy contains "3a") and/or colour jitter, then
    /// to-tensor, normalise and random erasing.
    /// </summary>
    /// <exception cref="NotSupportedException">The auto-augment policy is not a RandAugment string.</exception>
    public static Compose CreateTrain(DataConfig config, TrainTransformConfig? train = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        train ??= new TrainTransformConfig();
        int h = config.Height, w = config.Width;
        var interpolationName = train.Interpolation ?? config.Interpolation;
        var interpolations = InterpolationNames.ParseChoices(interpolationName);
        var steps = new List<IImageTransform> { new RandomResizedCrop(h, w, train.Scale, train.Ratio, interpolations) };
        if (train.HFlip > 0)
            steps.Add(new RandomHorizontalFlip(train.HFlip));
        if (train.VFlip > 0)
            steps.Add(new RandomVerticalFlip(train.VFlip));
        var disableJitter = false;
        if (!string.IsNullOrEmpty(train.AutoAugment))
        {
            var aa = train.AutoAugment;
            disableJitter = !(train.ForceColorJitter || aa.Contains("3a", StringComparison.Ordinal));
            if (!aa.StartsWith("rand", StringComparison.Ordinal))
                throw new NotSupportedException($"auto-augment policy '{aa}': only RandAugment ('rand-...') policies are supported");
            var options = new RandAugmentOptions
            {
                TranslateConst = (int)(Math.Min(h, w) * 0.45),
                Fill = [.. config.Mean.Select(v => (byte)Math.Min(255, Math.Round(255.0 * v, MidpointRounding.ToEven)))],
                Interpolations = interpolations.Length > 1 ? interpolations
                    : [interpolations[0] is Interpolation.Nearest or Interpolation.Bicubic ? interpolations[0] : Interpolation.Bilinear],
            };
            steps.Add(RandAugment.Parse(aa, options));
        }
        if (train.ColorJitter is { } cj && !disableJitter)
        {
            ColorJitter jitter = cj.Count switch
            {
                1 => new ColorJitter(cj[0], cj[0], cj[0]),
                3 => new ColorJitter(cj[0], cj[1], cj[2]),
                4 => new ColorJitter(cj[0], cj[1], cj[2], cj[3]),
                _ => throw new ArgumentException($"color jitter needs 1, 3 or 4 values, got {cj.Count}"),
            };
            steps.Add(train.ColorJitterProb is { } p ? new RandomApply([jitter], p) : jitter);
        }
        var floatSteps = new List<IFloatTransform>();
        if (train.ReProb > 0)
            floatSteps.Add(new RandomErasing(train.ReProb, mode: train.ReMode, maxCount: train.ReCount));
        return new Compose(steps, new ToTensorNormalize(config.Mean, config.Std), floatSteps);
    }

    /// <summary>
    /// torchvision's <c>ImageClassification</c> transform: resize the shorter side to <paramref name="resizeSize"/>, centre
    /// crop <paramref name="cropSize"/>, scale to [0, 1], normalise (ImageNet statistics by default).
    /// </summary>
    public static Compose TorchvisionImageClassification(int cropSize = 224, int resizeSize = 256, Interpolation interpolation = Interpolation.Bilinear, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null) =>
        new([new Resize(resizeSize, interpolation), new CenterCrop(cropSize)],
            new ToTensorNormalize(mean ?? DataConfig.ImagenetMean, std ?? DataConfig.ImagenetStd));

    /// <summary>torchvision's <c>ViT_B_16_Weights.IMAGENET1K_V1.transforms()</c>: resize 256 bilinear, crop 224, ImageNet mean/std.</summary>
    public static Compose TorchvisionVitB16() => TorchvisionImageClassification();
}
