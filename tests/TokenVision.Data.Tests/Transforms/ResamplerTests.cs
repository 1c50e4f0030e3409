using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Data.Tests.Transforms;

public sealed class ResamplerTests
{
    /// <summary>The fixtures' resize step (PIL 9.4 on the PIL decode) is reproduced byte for byte.</summary>
    [SkippableTheory]
    [InlineData("china", "timm_eval", Interpolation.Bicubic)]
    [InlineData("grace_hopper", "timm_eval", Interpolation.Bicubic)]
    [InlineData("china", "tv_eval", Interpolation.Bilinear)]
    [InlineData("grace_hopper", "tv_eval", Interpolation.Bilinear)]
    public void Resize_Photo_MatchesPilBytes(string stem, string kind, Interpolation interpolation)
    {
        var photo = TestImages.Photo(stem + ".jpg");
        var expected = NpyFile.Read(Fixtures.Path($"images/preprocess/{stem}.{kind}.resized.npy"));

        var resized = Resampler.Resize(photo, expected.Shape[1], expected.Shape[0], interpolation);

        Assert.Equal(expected.Data, resized.Pixels);
    }

    [Fact]
    public void Resize_SameSize_CopiesPixels()
    {
        var img = TestImages.Noise(7, 5, 3, 1);

        var r = Resampler.Resize(img, 7, 5, Interpolation.Bicubic);

        Assert.Equal(img.Pixels, r.Pixels);
        Assert.NotSame(img.Pixels, r.Pixels);
    }

    /// <summary>Halving with the box filter averages 2x2 blocks; PIL rounds half up ((1 + 2 + 3 + 4) / 4 = 2.5 gives 3).</summary>
    [Fact]
    public void Resize_BoxHalving_AveragesBlocksRoundingHalfUp()
    {
        var img = new Image(2, 2, ColorModel.Gray, [1, 2, 3, 4]);

        var r = Resampler.Resize(img, 1, 1, Interpolation.Box);

        Assert.Equal([3], r.Pixels);
    }

    [Theory]
    [InlineData(Interpolation.Bilinear)]
    [InlineData(Interpolation.Bicubic)]
    [InlineData(Interpolation.Lanczos)]
    [InlineData(Interpolation.Hamming)]
    [InlineData(Interpolation.Box)]
    [InlineData(Interpolation.Nearest)]
    public void Resize_ConstantImage_StaysConstant(Interpolation interpolation)
    {
        var img = TestImages.Make(37, 23, 3, (x, y, c) => 60 + 50 * c);

        foreach (var (w, h) in new[] { (11, 9), (80, 41), (37, 5), (3, 23) })
        {
            var r = Resampler.Resize(img, w, h, interpolation);
            for (var i = 0; i < r.Pixels.Length; i++)
                Assert.Equal(60 + 50 * (i % 3), r.Pixels[i]);
        }
    }

    /// <summary>Nearest picks floor((i + 0.5) * in / out): 5 to 3 takes columns 0, 2, 4.</summary>
    [Fact]
    public void Resize_Nearest_PicksPixelCentres()
    {
        var img = TestImages.Make(5, 1, 1, (x, _, _) => 10 * x);

        var r = Resampler.Resize(img, 3, 1, Interpolation.Nearest);

        Assert.Equal([0, 20, 40], r.Pixels);
    }

    /// <summary>Upscaling 2x with bilinear interpolates between neighbours (weights 3/4, 1/4), edges clamp.</summary>
    [Fact]
    public void Resize_BilinearDoubling_InterpolatesQuarterWeights()
    {
        var img = new Image(2, 1, ColorModel.Gray, [0, 100]);

        var r = Resampler.Resize(img, 4, 1, Interpolation.Bilinear);

        Assert.Equal([0, 25, 75, 100], r.Pixels);
    }

    /// <summary>The vectorised vertical pass and the transposed horizontal pass agree with the scalar path on wide rows.</summary>
    [Fact]
    public void Resize_GrayAndRgb_AgreePerChannel()
    {
        var rgb = TestImages.Noise(131, 97, 3, 5);
        var planes = Enumerable.Range(0, 3).Select(c =>
            new Image(131, 97, ColorModel.Gray, [.. Enumerable.Range(0, 131 * 97).Select(i => rgb.Pixels[i * 3 + c])])).ToArray();

        var r = Resampler.Resize(rgb, 50, 61, Interpolation.Bicubic);
        var g = planes.Select(p => Resampler.Resize(p, 50, 61, Interpolation.Bicubic)).ToArray();

        for (var i = 0; i < 50 * 61; i++)
            for (var c = 0; c < 3; c++)
                Assert.Equal(g[c].Pixels[i], r.Pixels[i * 3 + c]);
    }

    [Fact]
    public void Resize_FloatImage_MatchesByteResizeWithinRounding()
    {
        var img = TestImages.Noise(40, 30, 3, 9);
        var f = new ToTensorNormalize().Apply(img);
        for (var i = 0; i < f.Data.Length; i++)
            f.Data[i] *= 255f;

        var rf = Resampler.Resize(f, 17, 13, Interpolation.Bilinear);
        var rb = new ToTensorNormalize().Apply(Resampler.Resize(img, 17, 13, Interpolation.Bilinear));

        for (var i = 0; i < rf.Data.Length; i++)
            Assert.InRange(rf.Data[i] - rb.Data[i] * 255f, -1.01f, 1.01f);
    }

    [Fact]
    public void Resize_AlphaImage_IsRefused()
    {
        var img = new Image(2, 2, ColorModel.Rgba, new byte[16]);

        var e = Assert.Throws<NotSupportedException>(() => Resampler.Resize(img, 1, 1, Interpolation.Bilinear));

        Assert.Contains("convert to RGB", e.Message, StringComparison.Ordinal);
    }
}
