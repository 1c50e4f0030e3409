using TokenVision.IO.Jpeg;
using TokenVision.IO.Png;

namespace TokenVision.IO.Imaging;

/// <summary>Decodes an image file of any supported format, chosen by its signature (not its extension).</summary>
public static class ImageDecoder
{
    /// <summary>Decodes the file at <paramref name="path"/>; failures are <see cref="ImageDecodeException"/> naming the file.</summary>
    public static Image Decode(string path, DecodeOptions? options = null) =>
        Decode(ReadFile(path), (options ?? DecodeOptions.Default) with { SourceName = path });

    /// <summary>The bytes of an image file; a file that cannot be read is an <see cref="ImageDecodeException"/> naming it.</summary>
    internal static byte[] ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, $"cannot read the file: {e.Message}", e);
        }
    }

    /// <summary>Decodes encoded bytes; <see cref="DecodeOptions.SourceName"/> names the input in errors.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        return DetectFormat(data) switch
        {
            ImageFormat.Png => PngDecoder.Decode(data, options),
            ImageFormat.Jpeg => JpegDecoder.Decode(data, options),
            _ => throw new ImageDecodeException(options.SourceName,
                data.Length == 0 ? "empty file" : "unknown image format (neither a PNG nor a JPEG signature)"),
        };
    }

    /// <summary>The format a file's first bytes announce.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
            return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return ImageFormat.Jpeg;
        return ImageFormat.Unknown;
    }
}
