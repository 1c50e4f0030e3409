namespace TokenVision.IO.Imaging;

/// <summary>
/// A decoded raster image: interleaved pixels, row-major, <c>[Height, Width, Channels]</c>.
/// 8-bit images hold <see cref="Pixels"/>; 16-bit images (PNG only) hold <see cref="Pixels16"/>.
/// </summary>
public sealed class Image
{
    /// <summary>Creates an 8-bit image over <paramref name="pixels"/> (not copied).</summary>
    public Image(int width, int height, ColorModel model, byte[] pixels, int exifOrientation = 1)
    {
        Validate(width, height, model, pixels.Length);
        Width = width;
        Height = height;
        Model = model;
        BitDepth = 8;
        Pixels = pixels;
        ExifOrientation = exifOrientation;
    }

    /// <summary>Creates a 16-bit image over <paramref name="pixels"/> (not copied).</summary>
    public Image(int width, int height, ColorModel model, ushort[] pixels)
    {
        Validate(width, height, model, pixels.Length);
        Width = width;
        Height = height;
        Model = model;
        BitDepth = 16;
        Pixels = [];
        Pixels16 = pixels;
        ExifOrientation = 1;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Channel layout.</summary>
    public ColorModel Model { get; }

    /// <summary>Number of interleaved channels (1 to 4).</summary>
    public int Channels => (int)Model;

    /// <summary>Bits per channel: 8, or 16 for 16-bit PNG.</summary>
    public int BitDepth { get; }

    /// <summary>8-bit samples, <c>Height * Width * Channels</c> long (empty for 16-bit images).</summary>
    public byte[] Pixels { get; }

    /// <summary>16-bit samples for 16-bit images, otherwise null.</summary>
    public ushort[]? Pixels16 { get; }

    /// <summary>EXIF orientation tag (1 to 8; 1 = as stored). Reported, not applied, unless decoding asked for it.</summary>
    public int ExifOrientation { get; }

    /// <summary>
    /// The image as 8-bit RGB the way PIL's <c>convert('RGB')</c> makes it: gray is replicated, alpha is dropped
    /// without compositing. 16-bit gray (PIL mode I) is clipped to 0..255; 16-bit colour keeps its high byte, as PIL
    /// reduces it when loading. Returns this instance when it is already 8-bit RGB.
    /// </summary>
    public Image ToRgb()
    {
        if (Model == ColorModel.Rgb && BitDepth == 8)
            return this;
        var n = Width * Height;
        var rgb = new byte[n * 3];
        var c = Channels;
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                var src = Model is ColorModel.Gray or ColorModel.GrayAlpha ? i * c : i * c + k;
                rgb[i * 3 + k] = BitDepth == 8 ? Pixels[src]
                    : Model is ColorModel.Gray or ColorModel.GrayAlpha ? (byte)Math.Min((int)Pixels16![src], 255) : (byte)(Pixels16![src] >> 8);
            }
        }
        return new Image(Width, Height, ColorModel.Rgb, rgb, ExifOrientation);
    }

    private static void Validate(int width, int height, ColorModel model, int length)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"image size {width}x{height} must be positive");
        if (!Enum.IsDefined(model))
            throw new ArgumentOutOfRangeException(nameof(model), model, "unknown colour model");
        if ((long)width * height * (int)model != length)
            throw new ArgumentException($"pixel buffer holds {length} samples; a {width}x{height} {model} image needs {(long)width * height * (int)model}");
    }
}
