using TokenVision.IO.Imaging;
using TokenVision.IO.Jpeg;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>Pixels of every JPEG fixture against PIL's (libjpeg-turbo 2.1.5) decode.</summary>
public sealed class JpegFixtureTests
{
    public static TheoryData<string> Files => new(JpegFixtures.All);

    public static TheoryData<string> DecodeFiles => new(JpegFixtures.Decode);

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void Decode_MatchesPilBitExactly(string file)
    {
        var path = Fixtures.Path(file);
        var expected = NpyFile.Read(path + ".npy");
        var image = JpegDecoder.Decode(path);

        Assert.Equal(expected.Shape, new[] { image.Height, image.Width, image.Channels });
        var (max, mean) = Difference(image.Pixels, expected.Data);
        Assert.True(max == 0, $"{file}: max abs diff {max}, mean {mean:F4}");
    }

    [SkippableTheory]
    [MemberData(nameof(DecodeFiles))]
    public void Decode_ToRgb_MatchesPilConvertRgb(string file)
    {
        var path = Fixtures.Path(file);
        var expected = NpyFile.Read(path + ".rgb.npy");
        var rgb = JpegDecoder.Decode(path).ToRgb();
        Assert.Equal(expected.Data, rgb.Pixels);
    }

    [SkippableTheory]
    [MemberData(nameof(Files))]
    public void ReadInfo_MatchesDecode(string file)
    {
        var path = Fixtures.Path(file);
        var info = JpegDecoder.ReadInfo(path);
        var image = JpegDecoder.Decode(path);
        Assert.Equal(image.Width, info.Width);
        Assert.Equal(image.Height, info.Height);
        Assert.Equal(image.Model, info.Model);
        Assert.Equal(image.Channels, info.Components);
        Assert.Equal(file.Contains("progressive", StringComparison.Ordinal), info.Progressive);
        Assert.Equal(file.Contains("orientation6", StringComparison.Ordinal) ? 6 : 1, info.ExifOrientation);
    }

    internal static (int Max, double Mean) Difference(byte[] actual, byte[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var max = 0;
        long sum = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = Math.Abs(actual[i] - expected[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        return (max, (double)sum / Math.Max(1, actual.Length));
    }
}
