using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>torchvision's <c>CenterCrop</c>: offsets <c>round((size - crop) / 2)</c> (ties to even), zero padding when the image is smaller.</summary>
public sealed class CenterCrop : IImageTransform
{
    /// <summary>Crops to <paramref name="height"/> x <paramref name="width"/>.</summary>
    public CenterCrop(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"crop size {width}x{height} must be positive");
        Height = height;
        Width = width;
    }

    /// <summary>Crops to a square of <paramref name="size"/>.</summary>
    public CenterCrop(int size)
        : this(size, size)
    {
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator) => ImageGeometry.CenterCrop(image, Height, Width);

    /// <inheritdoc/>
    public override string ToString() => $"CenterCrop(size=({Height}, {Width}))";
}
