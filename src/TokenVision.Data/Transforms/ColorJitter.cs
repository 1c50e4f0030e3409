using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// torchvision's <c>ColorJitter</c> on PIL images: brightness, contrast and saturation factors uniform in
/// <c>[max(0, 1 - v), 1 + v]</c> and a hue shift uniform in <c>[-h, h]</c>, applied in a random order as PIL blends
/// (<see cref="ImageAdjust"/>). A zero amount disables that adjustment.
/// </summary>
public sealed class ColorJitter : IImageTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="brightness">Brightness amount (non-negative).</param>
    /// <param name="contrast">Contrast amount (non-negative).</param>
    /// <param name="saturation">Saturation amount (non-negative).</param>
    /// <param name="hue">Hue amount in [0, 0.5].</param>
    public ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0)
    {
        Brightness = Range(brightness, nameof(brightness));
        Contrast = Range(contrast, nameof(contrast));
        Saturation = Range(saturation, nameof(saturation));
        if (!(hue >= 0 && hue <= 0.5))
            throw new ArgumentOutOfRangeException(nameof(hue), hue, "must be in [0, 0.5]");
        Hue = hue == 0 ? null : (-hue, hue);
    }

    /// <summary>Range of the brightness factor, or null when off.</summary>
    public (double Min, double Max)? Brightness { get; }

    /// <summary>Range of the contrast factor, or null when off.</summary>
    public (double Min, double Max)? Contrast { get; }

    /// <summary>Range of the saturation factor, or null when off.</summary>
    public (double Min, double Max)? Saturation { get; }

    /// <summary>Range of the hue shift, or null when off.</summary>
    public (double Min, double Max)? Hue { get; }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var g = RandomResizedCrop.RequireGenerator(generator, nameof(ColorJitter));
        var order = g.Permutation(4);
        double? b = Draw(Brightness), c = Draw(Contrast), s = Draw(Saturation), h = Draw(Hue);
        foreach (var step in order)
        {
            image = step switch
            {
                0 when b is { } f => ImageAdjust.AdjustBrightness(image, f),
                1 when c is { } f => ImageAdjust.AdjustContrast(image, f),
                2 when s is { } f => ImageAdjust.AdjustSaturation(image, f),
                3 when h is { } f => ImageAdjust.AdjustHue(image, f),
                _ => image,
            };
        }
        return image;

        double? Draw((double Min, double Max)? range) =>
            range is { } r ? RandomResizedCrop.Uniform(g, r.Min, r.Max) : null;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ColorJitter(brightness={Format(Brightness)}, contrast={Format(Contrast)}, saturation={Format(Saturation)}, hue={Format(Hue)})";

    private static string Format((double Min, double Max)? r) => r is { } v ? $"[{v.Min:0.###}, {v.Max:0.###}]" : "None";

    private static (double, double)? Range(double amount, string name)
    {
        if (!(amount >= 0))
            throw new ArgumentOutOfRangeException(name, amount, "must be non-negative");
        return amount == 0 ? null : (Math.Max(0, 1 - amount), 1 + amount);
    }
}
