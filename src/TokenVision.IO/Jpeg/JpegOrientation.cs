namespace TokenVision.IO.Jpeg;

/// <summary>Applies an EXIF orientation to interleaved pixels so that they appear as the tag says they should be displayed.</summary>
internal static class JpegOrientation
{
    /// <summary>
    /// Returns the displayed image for <paramref name="orientation"/>: 2 mirror left-right, 3 rotate 180, 4 mirror
    /// top-bottom, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise (PIL's
    /// <c>ImageOps.exif_transpose</c>). Orientation 1 (or an unknown value) returns the input unchanged.
    /// </summary>
    public static (byte[] Pixels, int Width, int Height) Apply(byte[] pixels, int width, int height, int channels, int orientation)
    {
        if (orientation is < 2 or > 8)
            return (pixels, width, height);
        var swap = orientation >= 5;
        var outWidth = swap ? height : width;
        var outHeight = swap ? width : height;
        var output = new byte[pixels.Length];
        for (var y = 0; y < outHeight; y++)
        {
            for (var x = 0; x < outWidth; x++)
            {
                // (sx, sy): the stored pixel shown at display position (x, y).
                var (sx, sy) = orientation switch
                {
                    2 => (width - 1 - x, y),
                    3 => (width - 1 - x, height - 1 - y),
                    4 => (x, height - 1 - y),
                    5 => (y, x),
                    6 => (y, height - 1 - x),
                    7 => (width - 1 - y, height - 1 - x),
                    _ => (width - 1 - y, x),
                };
                pixels.AsSpan((sy * width + sx) * channels, channels).CopyTo(output.AsSpan((y * outWidth + x) * channels, channels));
            }
        }
        return (output, outWidth, outHeight);
    }
}
