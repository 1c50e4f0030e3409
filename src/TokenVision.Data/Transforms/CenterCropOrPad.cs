using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>timm's <c>CenterCropOrPad</c>: pads with a fill colour where the image is smaller than the target, then crops the centre.</summary>
public sealed class CenterCropOrPad : IImageTransform
{
    private readonly byte[] _fill;

    /// <summary>Creates the transform for <paramref name="height"/> x <paramref name="width"/> with fill colour <paramref name="fill"/> (empty is black).</summary>
    public CenterCropOrPad(int height, int width, IReadOnlyList<byte>? fill = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"crop size {width}x{height} must be positive");
        Height = height;
        Width = width;
        _fill = fill?.ToArray() ?? [];
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>The padding colour.</summary>
    public IReadOnlyList<byte> Fill => _fill;

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator) => ImageGeometry.CenterCrop(image, Height, Width, _fill);

    /// <inheritdoc/>
    public override string ToString() => $"CenterCropOrPad(size=({Height}, {Width}), fill=[{string.Join(", ", _fill)}])";
}
