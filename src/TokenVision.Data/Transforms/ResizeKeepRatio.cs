using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// timm's <c>ResizeKeepRatio</c> (deterministic form): scales by <c>1 / ratio</c> where
/// <c>ratio = max(h/th, w/tw) * longest + min(h/th, w/tw) * (1 - longest)</c>, each side <c>round(side / ratio)</c>
/// (ties to even). <c>longest = 0</c> fits the shorter side, <c>1</c> the longer.
/// </summary>
public sealed class ResizeKeepRatio : IImageTransform
{
    /// <summary>Creates the transform for a target of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public ResizeKeepRatio(int height, int width, double longest = 0.0, Interpolation interpolation = Interpolation.Bilinear)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"target size {width}x{height} must be positive");
        if (!(longest >= 0 && longest <= 1))
            throw new ArgumentOutOfRangeException(nameof(longest), longest, "must be in [0, 1]");
        Height = height;
        Width = width;
        Longest = longest;
        Interpolation = interpolation;
    }

    /// <summary>Target height.</summary>
    public int Height { get; }

    /// <summary>Target width.</summary>
    public int Width { get; }

    /// <summary>Blend between fitting the shorter (0) and the longer (1) side.</summary>
    public double Longest { get; }

    /// <summary>The resampling filter.</summary>
    public Interpolation Interpolation { get; }

    /// <summary>The (width, height) an image of <paramref name="width"/> x <paramref name="height"/> is resized to.</summary>
    public (int Width, int Height) OutputSize(int width, int height)
    {
        var ratioH = (double)height / Height;
        var ratioW = (double)width / Width;
        var ratio = Math.Max(ratioH, ratioW) * Longest + Math.Min(ratioH, ratioW) * (1.0 - Longest);
        return ((int)Math.Round(width * 1.0 / ratio, MidpointRounding.ToEven), (int)Math.Round(height * 1.0 / ratio, MidpointRounding.ToEven));
    }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (w, h) = OutputSize(image.Width, image.Height);
        return Resampler.Resize(image, Math.Max(w, 1), Math.Max(h, 1), Interpolation);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ResizeKeepRatio(size=({Height}, {Width}), interpolation={InterpolationNames.Name(Interpolation)}, longest={Longest:F3})";
}
