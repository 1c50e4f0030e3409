using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.IO.Png;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Png;

public sealed class PngDecoderFixtureTests
{
    public static TheoryData<string> DecodeFixtures => new(
        "png_bilevel.png", "png_gray16.png", "png_gray8.png", "png_gray_alpha.png", "png_palette.png", "png_palette_4bit.png",
        "png_palette_trns.png", "png_rgb.png", "png_rgb_adam7.png", "png_rgb_adam7_5x3.png", "png_rgb_allfilters.png", "png_rgba.png");

    public static TheoryData<string> Photos => new("astronaut.png", "chelsea.png", "coffee.png");

    [SkippableTheory]
    [MemberData(nameof(DecodeFixtures))]
    public void Decode_MatchesPilPixels(string name)
    {
        var path = Fixtures.Path($"images/decode/{name}");

        var image = PngDecoder.Decode(path);

        AssertSamePixels(NpyFile.Read(path + ".npy"), image);
    }

    [SkippableTheory]
    [MemberData(nameof(DecodeFixtures))]
    public void ToRgb_MatchesPilConvertRgb(string name)
    {
        var path = Fixtures.Path($"images/decode/{name}");
        Skip.IfNot(File.Exists(path + ".rgb.npy"), $"{name} has no .rgb.npy (16-bit: PIL clips mode I when converting)");

        var rgb = PngDecoder.Decode(path).ToRgb();

        AssertSamePixels(NpyFile.Read(path + ".rgb.npy"), rgb);
    }

    [SkippableTheory]
    [MemberData(nameof(Photos))]
    public void Decode_Photo_MatchesPilPixels(string name)
    {
        var path = Fixtures.Path($"images/photos/{name}");

        var image = PngDecoder.Decode(File.ReadAllBytes(path), new DecodeOptions { SourceName = name });

        AssertSamePixels(NpyFile.Read(path + ".npy"), image);
    }

    [SkippableFact]
    public void Decode_ReportsTheFileModel()
    {
        Assert.Equal(ColorModel.Rgba, PngDecoder.Decode(Fixtures.Path("images/decode/png_palette_trns.png")).Model);
        Assert.Equal(ColorModel.Rgb, PngDecoder.Decode(Fixtures.Path("images/decode/png_palette.png")).Model);
        Assert.Equal(ColorModel.GrayAlpha, PngDecoder.Decode(Fixtures.Path("images/decode/png_gray_alpha.png")).Model);
        var gray16 = PngDecoder.Decode(Fixtures.Path("images/decode/png_gray16.png"));
        Assert.Equal((ColorModel.Gray, 16), (gray16.Model, gray16.BitDepth));
    }

    internal static void AssertSamePixels(NpyArray expected, Image actual)
    {
        Assert.Equal(expected.Shape, new[] { actual.Height, actual.Width, actual.Channels });
        if (expected.DType == NpyDType.UInt16)
        {
            Assert.Equal(16, actual.BitDepth);
            Assert.True(expected.ToUInt16().AsSpan().SequenceEqual(actual.Pixels16), "16-bit pixels differ");
        }
        else
        {
            Assert.Equal(NpyDType.UInt8, expected.DType);
            Assert.Equal(8, actual.BitDepth);
            var want = expected.Data;
            var got = actual.Pixels;
            var first = want.AsSpan().CommonPrefixLength(got);
            Assert.True(first == want.Length && got.Length == want.Length,
                $"pixels differ first at sample {first} (pixel {first / actual.Channels}): expected {(first < want.Length ? want[first] : -1)}, got {(first < got.Length ? got[first] : -1)}");
        }
    }
}
