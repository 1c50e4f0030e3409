using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// torchvision's <c>Resize</c> on PIL images: to an exact size, or the shorter side to <c>size</c> and the longer to
/// <c>int(size * long / short)</c> (optionally capped by <c>maxSize</c>), with PIL's resampling.
/// </summary>
public sealed class Resize : IImageTransform
{
    private readonly int _size;
    private readonly int _height;
    private readonly int _width;
    private readonly int? _maxSize;

    /// <summary>Resizes the shorter side to <paramref name="size"/>, keeping the aspect ratio.</summary>
    public Resize(int size, Interpolation interpolation = Interpolation.Bilinear, int? maxSize = null)
    {
        if (size <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "must be positive");
        if (maxSize is { } m && m <= size)
            throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, $"must be greater than size {size}");
        _size = size;
        _maxSize = maxSize;
        Interpolation = interpolation;
    }

    /// <summary>Resizes to exactly <paramref name="height"/> x <paramref name="width"/>.</summary>
    public Resize(int height, int width, Interpolation interpolation = Interpolation.Bilinear)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"resize target {width}x{height} must be positive");
        _height = height;
        _width = width;
        Interpolation = interpolation;
    }

    /// <summary>The resampling filter.</summary>
    public Interpolation Interpolation { get; }

    /// <summary>The (width, height) this transform gives an image of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public (int Width, int Height) OutputSize(int width, int height)
    {
        if (_size == 0)
            return (_width, _height);
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        int newShort = _size, newLong = (int)((double)_size * longSide / shortSide);
        if (_maxSize is { } max && newLong > max)
        {
            newShort = (int)((double)max * newShort / newLong);
            newLong = max;
        }
        return width <= height ? (newShort, newLong) : (newLong, newShort);
    }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (w, h) = OutputSize(image.Width, image.Height);
        return Resampler.Resize(image, w, h, Interpolation);
    }

    /// <inheritdoc/>
    public override string ToString() => _size != 0
        ? $"Resize(size={_size}, interpolation={InterpolationNames.Name(Interpolation)}{(_maxSize is { } m ? $", max_size={m}" : "")})"
        : $"Resize(size=({_height}, {_width}), interpolation={InterpolationNames.Name(Interpolation)})";
}
