namespace TokenVision.Data.Transforms;

/// <summary>timm's RandAugment <c>hparams</c>: how magnitudes map to pixels and how warps fill and sample.</summary>
public sealed record RandAugmentOptions
{
    /// <summary>Pixels of an absolute translation at magnitude 10 (timm: 250 by default; <c>create_transform</c> uses <c>int(0.45 * img_size)</c>).</summary>
    public double TranslateConst { get; init; } = 250;

    /// <summary>Fraction of the image of a relative translation at magnitude 10.</summary>
    public double TranslatePct { get; init; } = 0.45;

    /// <summary>Fill colour for pixels a warp uncovers (timm: <c>round(255 * mean)</c>; default 128 grey).</summary>
    public IReadOnlyList<byte> Fill { get; init; } = [128, 128, 128];

    /// <summary>Filters warps choose from uniformly per op (timm's default: bilinear and bicubic).</summary>
    public IReadOnlyList<Interpolation> Interpolations { get; init; } = [Interpolation.Bilinear, Interpolation.Bicubic];

    /// <summary>Standard deviation of the Gaussian noise added to the magnitude per op; infinity samples uniformly in [0, magnitude].</summary>
    public double MagnitudeStd { get; init; }

    /// <summary>Upper clip of the (noisy) magnitude; null is timm's 10.</summary>
    public double? MagnitudeMax { get; init; }
}
