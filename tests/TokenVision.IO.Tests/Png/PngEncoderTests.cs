using TokenVision.IO.Imaging;
using TokenVision.IO.Png;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Png;

public sealed class PngEncoderTests
{
    public static TheoryData<ColorModel, int> ModelsAndDepths()
    {
        var data = new TheoryData<ColorModel, int>();
        foreach (var model in Enum.GetValues<ColorModel>())
        {
            data.Add(model, 8);
            data.Add(model, 16);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModelsAndDepths))]
    public void EncodeThenDecode_GivesTheSameImage(ColorModel model, int bitDepth)
    {
        var random = new Random(1000 * (int)model + bitDepth);
        (int W, int H)[] sizes = [(1, 1), (1, 9), (9, 1), (2, 2), (3, 5), (7, 7), (31, 4), (64, 33), (101, 3), (257, 2)];
        foreach (var (w, h) in sizes)
        {
            foreach (var smooth in new[] { false, true })
            {
                var image = RandomImage(random, w, h, model, bitDepth, smooth);

                var decoded = PngDecoder.Decode(PngEncoder.Encode(image));

                Assert.Equal((w, h, model, bitDepth), (decoded.Width, decoded.Height, decoded.Model, decoded.BitDepth));
                if (bitDepth == 8)
                    Assert.Equal(image.Pixels, decoded.Pixels);
                else
                    Assert.Equal(image.Pixels16, decoded.Pixels16);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(9)]
    public void Encode_EveryCompressionLevel_RoundTrips(int level)
    {
        var image = RandomImage(new Random(level), 45, 17, ColorModel.Rgba, 8, smooth: true);

        Assert.Equal(image.Pixels, PngDecoder.Decode(PngEncoder.Encode(image, level)).Pixels);
    }

    [Fact]
    public void Encode_SmoothImage_CompressesBetterThanStoredAndUsesSeveralFilters()
    {
        var image = RandomImage(new Random(3), 128, 96, ColorModel.Rgb, 8, smooth: true);

        var stored = PngEncoder.Encode(image, 0);
        var compressed = PngEncoder.Encode(image);
        var raw = PngTestFile.Inflate(PngTestFile.Chunks(compressed).Where(c => c.Type == "IDAT")
            .SelectMany(c => compressed.AsSpan(c.Offset + 8, c.Length).ToArray()).ToArray());
        var filters = Enumerable.Range(0, 96).Select(y => raw[y * (128 * 3 + 1)]).Distinct().Count();

        Assert.True(compressed.Length < stored.Length / 2, $"{compressed.Length} vs stored {stored.Length}");
        Assert.True(filters >= 2, $"only {filters} filter type(s) chosen");
    }

    [Fact]
    public void Encode_RejectsBadLevels()
    {
        var image = new Image(1, 1, ColorModel.Gray, [0]);

        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(image, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(image, 10));
    }

    [Fact]
    public void Save_ReplacesTheFileAtomically()
    {
        var folder = Directory.CreateTempSubdirectory("tv-png-");
        try
        {
            var path = Path.Combine(folder.FullName, "out.png");
            File.WriteAllText(path, "previous");
            var image = RandomImage(new Random(5), 13, 11, ColorModel.GrayAlpha, 8, smooth: false);

            PngEncoder.Save(image, path);

            Assert.Equal(image.Pixels, PngDecoder.Decode(path).Pixels);
            Assert.Equal([path], Directory.GetFiles(folder.FullName));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [SkippableTheory]
    [InlineData("images/decode/png_rgba.png")]
    [InlineData("images/decode/png_gray16.png")]
    [InlineData("images/decode/png_rgb_adam7.png")]
    [InlineData("images/photos/chelsea.png")]
    public void ReEncode_Fixture_KeepsPixels(string relative)
    {
        var image = PngDecoder.Decode(Fixtures.Path(relative));

        var again = PngDecoder.Decode(PngEncoder.Encode(image));

        Assert.Equal(image.Pixels, again.Pixels);
        Assert.Equal(image.Pixels16, again.Pixels16);
    }

    private static Image RandomImage(Random random, int w, int h, ColorModel model, int bitDepth, bool smooth)
    {
        var c = (int)model;
        var n = w * h * c;
        var values = new int[n];
        for (var i = 0; i < n; i++)
        {
            var x = i / c % w;
            var y = i / c / w;
            values[i] = smooth ? (x * 3 + y * 5 + i % c * 40 + random.Next(3)) : random.Next(1 << bitDepth);
        }
        return bitDepth == 8
            ? new Image(w, h, model, values.Select(v => (byte)v).ToArray())
            : new Image(w, h, model, values.Select(v => (ushort)(smooth ? v * 257 : v)).ToArray());
    }
}
