using System.Buffers.Binary;
using TokenVision.IO.Imaging;
using TokenVision.IO.Jpeg;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>EXIF orientation: read from APP1 in both byte orders, reported by default, applied on request.</summary>
public sealed class JpegExifTests
{
    private static readonly DecodeOptions s_apply = new() { ApplyExifOrientation = true };

    [SkippableFact]
    public void Orientation6Fixture_IsReportedNotApplied()
    {
        var path = Fixtures.Path("images/decode/jpeg_exif_orientation6.jpg");
        var image = JpegDecoder.Decode(path);
        Assert.Equal(6, image.ExifOrientation);
        Assert.Equal(6, JpegDecoder.ReadInfo(path).ExifOrientation);
        Assert.Equal((160, 107), (image.Width, image.Height));
        Assert.Equal(NpyFile.Read(path + ".npy").Data, image.Pixels);
    }

    [SkippableFact]
    public void Orientation6Fixture_AppliedIsRotatedClockwise()
    {
        var path = Fixtures.Path("images/decode/jpeg_exif_orientation6.jpg");
        var stored = NpyFile.Read(path + ".npy").Data;
        var image = JpegDecoder.Decode(path, s_apply);
        Assert.Equal((107, 160), (image.Width, image.Height));
        Assert.Equal(1, image.ExifOrientation);
        // Rotating 90 degrees clockwise puts the stored bottom-left pixel at the top-left.
        for (var y = 0; y < 160; y++)
        {
            for (var x = 0; x < 107; x++)
            {
                for (var k = 0; k < 3; k++)
                    Assert.Equal(stored[((106 - x) * 160 + y) * 3 + k], image.Pixels[(y * 107 + x) * 3 + k]);
            }
        }
    }

    [SkippableTheory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(6, true)]
    [InlineData(7, false)]
    [InlineData(8, true)]
    [InlineData(8, false)]
    [InlineData(5, true)]
    public void EveryOrientation_MatchesItsFlipsAndTransposes(int orientation, bool littleEndian)
    {
        var baseFile = File.ReadAllBytes(Fixtures.Path("images/decode/jpeg_odd_37x23.jpg"));
        var data = JpegBytes.Insert(baseFile, 2, ExifSegment(orientation, littleEndian));
        var stored = JpegDecoder.Decode(baseFile);

        var reported = JpegDecoder.Decode(data);
        Assert.Equal(orientation, reported.ExifOrientation);
        Assert.Equal(stored.Pixels, reported.Pixels);
        Assert.Equal(orientation, JpegDecoder.ReadInfo(data).ExifOrientation);

        var applied = JpegDecoder.Decode(data, s_apply);
        var expected = Display(stored, orientation);
        Assert.Equal((expected.Width, expected.Height), (applied.Width, applied.Height));
        Assert.Equal(expected.Pixels, applied.Pixels);
        Assert.Equal(1, applied.ExifOrientation);
    }

    [SkippableTheory]
    [InlineData("bad byte order")]
    [InlineData("bad magic")]
    [InlineData("IFD offset past the end")]
    [InlineData("entry cut off")]
    [InlineData("orientation 9")]
    [InlineData("orientation as LONG")]
    public void MalformedExif_IsIgnored(string damage)
    {
        var segment = ExifSegment(6, littleEndian: true);
        const int tiff = 4 + 6;   // segment header + "Exif\0\0"
        switch (damage)
        {
            case "bad byte order": segment[tiff] = (byte)'X'; break;
            case "bad magic": segment[tiff + 2] = 41; break;
            case "IFD offset past the end": segment[tiff + 4] = 200; break;
            case "entry cut off": segment = [.. segment[..^20]]; BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(segment.Length - 2)); break;
            case "orientation 9": segment[tiff + 8 + 2 + 12 + 8] = 9; break;
            case "orientation as LONG": segment[tiff + 8 + 2 + 12 + 2] = 4; break;
        }
        var data = JpegBytes.Insert(File.ReadAllBytes(Fixtures.Path("images/decode/jpeg_odd_37x23.jpg")), 2, segment);
        var image = JpegDecoder.Decode(data, s_apply);
        Assert.Equal(1, image.ExifOrientation);
        Assert.Equal((37, 23), (image.Width, image.Height));
    }

    /// <summary>An APP1 Exif segment whose IFD0 holds a Make tag and then the Orientation tag.</summary>
    private static byte[] ExifSegment(int orientation, bool littleEndian)
    {
        var tiff = new byte[8 + 2 + 2 * 12 + 4 + 6];
        void U16(int at, int v)
        {
            if (littleEndian)
                BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v);
            else
                BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v);
        }
        void U32(int at, int v)
        {
            if (littleEndian)
                BinaryPrimitives.WriteInt32LittleEndian(tiff.AsSpan(at), v);
            else
                BinaryPrimitives.WriteInt32BigEndian(tiff.AsSpan(at), v);
        }
        tiff[0] = tiff[1] = (byte)(littleEndian ? 'I' : 'M');
        U16(2, 42);
        U32(4, 8);
        U16(8, 2);
        // Make (0x010F), ASCII, 6 bytes stored after the IFD.
        U16(10, 0x010F);
        U16(12, 2);
        U32(14, 6);
        U32(18, 8 + 2 + 2 * 12 + 4);
        // Orientation (0x0112), SHORT, count 1, value in the first two bytes of the value field.
        U16(22, 0x0112);
        U16(24, 3);
        U32(26, 1);
        U16(30, orientation);
        "Test\0\0"u8.CopyTo(tiff.AsSpan(8 + 2 + 2 * 12 + 4));
        return JpegBytes.Segment(0xE1, [.. "Exif\0\0"u8, .. tiff]);
    }

    /// <summary>The displayed image, composed from elementary flips and a transpose (EXIF 2.3, table of Orientation).</summary>
    private static Image Display(Image stored, int orientation) => orientation switch
    {
        1 => stored,
        2 => FlipLeftRight(stored),
        3 => FlipTopBottom(FlipLeftRight(stored)),
        4 => FlipTopBottom(stored),
        5 => Transpose(stored),
        6 => FlipLeftRight(Transpose(stored)),
        7 => FlipTopBottom(FlipLeftRight(Transpose(stored))),
        _ => FlipTopBottom(Transpose(stored)),
    };

    private static Image Map(Image a, int width, int height, Func<int, int, (int X, int Y)> source)
    {
        var c = a.Channels;
        var pixels = new byte[a.Pixels.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (sx, sy) = source(x, y);
                a.Pixels.AsSpan((sy * a.Width + sx) * c, c).CopyTo(pixels.AsSpan((y * width + x) * c));
            }
        }
        return new Image(width, height, a.Model, pixels);
    }

    private static Image FlipLeftRight(Image a) => Map(a, a.Width, a.Height, (x, y) => (a.Width - 1 - x, y));

    private static Image FlipTopBottom(Image a) => Map(a, a.Width, a.Height, (x, y) => (x, a.Height - 1 - y));

    private static Image Transpose(Image a) => Map(a, a.Height, a.Width, (x, y) => (y, x));
}
