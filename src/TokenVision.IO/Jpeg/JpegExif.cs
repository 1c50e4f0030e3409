using System.Buffers.Binary;

namespace TokenVision.IO.Jpeg;

/// <summary>Reads the Orientation tag (0x0112) of IFD0 from an EXIF TIFF structure.</summary>
internal static class JpegExif
{
    private const int OrientationTag = 0x0112;
    private const int ShortType = 3;

    /// <summary>
    /// Returns the orientation (1..8) stored in <paramref name="tiff"/> (the APP1 payload after "Exif\0\0"), or 1
    /// when the structure is malformed or carries no valid orientation: bad EXIF never fails a decode.
    /// </summary>
    public static int ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
            return 1;
        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I')
            little = true;
        else if (tiff[0] == 'M' && tiff[1] == 'M')
            little = false;
        else
            return 1;
        if (U16(tiff, 2, little) != 42)
            return 1;
        var ifd = U32(tiff, 4, little);
        if (ifd < 8 || ifd > tiff.Length - 2)
            return 1;
        var count = U16(tiff, (int)ifd, little);
        for (var i = 0; i < count; i++)
        {
            var entry = (int)ifd + 2 + 12 * i;
            if (entry + 12 > tiff.Length)
                return 1;
            if (U16(tiff, entry, little) != OrientationTag)
                continue;
            if (U16(tiff, entry + 2, little) != ShortType || U32(tiff, entry + 4, little) < 1)
                return 1;
            var value = U16(tiff, entry + 8, little);
            return value is >= 1 and <= 8 ? value : 1;
        }
        return 1;
    }

    private static int U16(ReadOnlySpan<byte> s, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(s[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(s[offset..]);

    private static uint U32(ReadOnlySpan<byte> s, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]) : BinaryPrimitives.ReadUInt32BigEndian(s[offset..]);
}
