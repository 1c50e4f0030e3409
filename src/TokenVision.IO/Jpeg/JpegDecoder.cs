using TokenVision.IO.Imaging;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Decodes baseline, extended-sequential and progressive Huffman JPEG files to 8-bit gray or RGB pixels that match
/// libjpeg-turbo's defaults (and so PIL) bit for bit: accurate integer IDCT, fancy chroma upsampling and
/// fixed-point YCbCr to RGB.
/// </summary>
public static class JpegDecoder
{
    /// <summary>Decodes a JPEG file held in memory.</summary>
    /// <exception cref="ImageDecodeException">The data is not a decodable JPEG; the reason starts with "unsupported:" for recognised but unsupported features.</exception>
    public static Image Decode(ReadOnlySpan<byte> data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        return new JpegReader(options.SourceName, options).Decode(data);
    }

    /// <summary>Reads and decodes the JPEG file at <paramref name="path"/>; errors name the path.</summary>
    /// <exception cref="ImageDecodeException">The file is not a decodable JPEG.</exception>
    public static Image Decode(string path, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        return new JpegReader(path, options).Decode(ReadFile(path));
    }

    /// <summary>Reads width, height, component count, progressiveness and EXIF orientation without decoding pixels.</summary>
    /// <exception cref="ImageDecodeException">The headers are not those of a decodable JPEG.</exception>
    public static JpegInfo ReadInfo(ReadOnlySpan<byte> data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        return new JpegReader(options.SourceName, options).ReadInfo(data);
    }

    /// <summary>Reads the headers of the JPEG file at <paramref name="path"/>; errors name the path.</summary>
    /// <exception cref="ImageDecodeException">The headers are not those of a decodable JPEG.</exception>
    public static JpegInfo ReadInfo(string path, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        return new JpegReader(path, options).ReadInfo(ReadFile(path));
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, $"cannot read file: {e.Message}", e);
        }
    }
}
