using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// timm's <c>RandomResizedCropAndInterpolation</c>: a crop whose area is a uniform fraction in <see cref="Scale"/> of the
/// image and whose aspect ratio is log-uniform in <see cref="Ratio"/> (10 attempts, then a centred crop clamped to the
/// ratio range), resized to the output size with an interpolation drawn from <see cref="Interpolations"/>.
/// </summary>
public sealed class RandomResizedCrop : IImageTransform
{
    private readonly Interpolation[] _interpolations;

    /// <summary>Creates the transform.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="scale">Range of the crop area as a fraction of the image area; default (0.08, 1).</param>
    /// <param name="ratio">Range of the crop aspect ratio (width / height); default (3/4, 4/3).</param>
    /// <param name="interpolations">Filters to choose from uniformly (timm's "random" is bilinear and bicubic); default bilinear.</param>
    public RandomResizedCrop(int height, int width, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null, IReadOnlyList<Interpolation>? interpolations = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"output size {width}x{height} must be positive");
        Height = height;
        Width = width;
        Scale = scale ?? (0.08, 1.0);
        Ratio = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (!(Scale.Min > 0 && Scale.Min <= Scale.Max))
            throw new ArgumentException($"scale range ({Scale.Min}, {Scale.Max}) must be positive and increasing");
        if (!(Ratio.Min > 0 && Ratio.Min <= Ratio.Max))
            throw new ArgumentException($"ratio range ({Ratio.Min}, {Ratio.Max}) must be positive and increasing");
        _interpolations = interpolations is { Count: > 0 } ? [.. interpolations] : [Interpolation.Bilinear];
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Range of the crop area fraction.</summary>
    public (double Min, double Max) Scale { get; }

    /// <summary>Range of the crop aspect ratio.</summary>
    public (double Min, double Max) Ratio { get; }

    /// <summary>The filters one is drawn from per image.</summary>
    public IReadOnlyList<Interpolation> Interpolations => _interpolations;

    /// <summary>Draws the crop (top, left, height, width) for an image of <paramref name="imageWidth"/> x <paramref name="imageHeight"/>.</summary>
    public (int Top, int Left, int Height, int Width) SampleCrop(int imageWidth, int imageHeight, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        double area = (double)imageWidth * imageHeight;
        var logRatio = (Math.Log(Ratio.Min), Math.Log(Ratio.Max));
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var targetArea = Uniform(generator, Scale.Min, Scale.Max) * area;
            var aspect = Math.Exp(Uniform(generator, logRatio.Item1, logRatio.Item2));
            var w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            var h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w <= imageWidth && h <= imageHeight)
            {
                var top = generator.NextInt(0, imageHeight - h + 1);
                var left = generator.NextInt(0, imageWidth - w + 1);
                return (top, left, h, w);
            }
        }
        // Fallback: the whole image, clamped to the ratio range, centred.
        var inRatio = (double)imageWidth / imageHeight;
        int tw, th;
        if (inRatio < Ratio.Min)
        {
            tw = imageWidth;
            th = (int)Math.Round(tw / Ratio.Min, MidpointRounding.ToEven);
        }
        else if (inRatio > Ratio.Max)
        {
            th = imageHeight;
            tw = (int)Math.Round(th * Ratio.Max, MidpointRounding.ToEven);
        }
        else
        {
            tw = imageWidth;
            th = imageHeight;
        }
        return ((imageHeight - th) / 2, (imageWidth - tw) / 2, th, tw);
    }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var g = RequireGenerator(generator, nameof(RandomResizedCrop));
        var (top, left, h, w) = SampleCrop(image.Width, image.Height, g);
        var interpolation = _interpolations.Length == 1 ? _interpolations[0] : _interpolations[g.NextInt(0, _interpolations.Length)];
        var crop = ImageGeometry.Crop(image, left, top, Math.Max(w, 1), Math.Max(h, 1));
        return Resampler.Resize(crop, Width, Height, interpolation);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"RandomResizedCropAndInterpolation(size=({Height}, {Width}), scale=({Scale.Min:0.####}, {Scale.Max:0.####}), ratio=({Ratio.Min:0.####}, {Ratio.Max:0.####}), interpolation={string.Join(" ", _interpolations.Select(InterpolationNames.Name))})";

    internal static double Uniform(Generator g, double a, double b) => a + (b - a) * g.NextDouble();

    internal static Generator RequireGenerator(Generator? generator, string name) =>
        generator ?? throw new ArgumentNullException(nameof(generator), $"{name} is random and needs a Generator");
}
