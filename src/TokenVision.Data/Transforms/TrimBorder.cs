using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>timm's <c>TrimBorder</c>: removes <see cref="Border"/> pixels from every edge.</summary>
public sealed class TrimBorder : IImageTransform
{
    /// <summary>Creates the transform.</summary>
    public TrimBorder(int border)
    {
        if (border < 0)
            throw new ArgumentOutOfRangeException(nameof(border), border, "must not be negative");
        Border = border;
    }

    /// <summary>Pixels removed from each edge.</summary>
    public int Border { get; }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var h = Math.Max(0, image.Height - 2 * Border);
        var w = Math.Max(0, image.Width - 2 * Border);
        if (h == 0 || w == 0)
            throw new ArgumentException($"trimming {Border} pixels from each edge leaves nothing of a {image.Width}x{image.Height} image");
        return ImageGeometry.Crop(image, Math.Min(Border, image.Width), Math.Min(Border, image.Height), w, h);
    }

    /// <inheritdoc/>
    public override string ToString() => $"TrimBorder(border_size={Border})";
}
