using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using Xunit;

namespace TokenVision.Data.Tests.Transforms;

/// <summary>PIL's image operations on small images whose results can be computed by hand.</summary>
public sealed class ImageOpsTests
{
    private static readonly Image s_ramp = new(4, 1, ColorModel.Gray, [10, 100, 150, 250]);

    [Fact]
    public void PointOps_MatchTheirFormulas()
    {
        Assert.Equal([245, 155, 105, 5], ImageAdjust.Invert(s_ramp).Pixels);
        Assert.Equal([0, 96, 144, 240], ImageAdjust.Posterize(s_ramp, 4).Pixels);
        Assert.Equal([0, 0, 0, 0], ImageAdjust.Posterize(s_ramp, 0).Pixels);
        Assert.Equal([10, 155, 105, 5], ImageAdjust.Solarize(s_ramp, 100).Pixels);
        Assert.Equal([10, 100, 150, 250], ImageAdjust.Solarize(s_ramp, 256).Pixels);
        Assert.Equal([120, 210, 150, 250], ImageAdjust.SolarizeAdd(s_ramp, 110).Pixels);
    }

    /// <summary>lo = 10, hi = 250: scale 255/240, lut[v] = int((v - 10) * 255 / 240).</summary>
    [Fact]
    public void AutoContrast_StretchesToFullRange()
    {
        Assert.Equal([0, 95, 148, 255], ImageAdjust.AutoContrast(s_ramp).Pixels);
        var flat = new Image(2, 1, ColorModel.Gray, [7, 7]);
        Assert.Equal([7, 7], ImageAdjust.AutoContrast(flat).Pixels);
    }

    /// <summary>Four values, one each: step = (4 - 1) // 256 = 0, so PIL leaves the image unchanged; 512 pixels give step 1.</summary>
    [Fact]
    public void Equalize_FollowsPilSteps()
    {
        Assert.Equal(s_ramp.Pixels, ImageAdjust.Equalize(s_ramp).Pixels);
        var pixels = new byte[512];
        pixels.AsSpan(256).Fill(200);
        var img = new Image(512, 1, ColorModel.Gray, pixels);
        // histogram: 256 zeros, 256 x 200; step = (512 - 256) // 256 = 1; lut[0] = 0, lut[200] = (0 + 256) // 1 -> clipped 255.
        var eq = ImageAdjust.Equalize(img);
        Assert.Equal(0, eq.Pixels[0]);
        Assert.Equal(255, eq.Pixels[511]);
    }

    /// <summary>Blend truncates a + alpha (b - a) and clips when extrapolating.</summary>
    [Fact]
    public void Blend_TruncatesAndClips()
    {
        var a = new Image(3, 1, ColorModel.Gray, [0, 100, 200]);
        var b = new Image(3, 1, ColorModel.Gray, [255, 0, 201]);

        Assert.Equal([63, 75, 200], ImageAdjust.Blend(a, b, 0.25f).Pixels);
        Assert.Equal([255, 0, 201], ImageAdjust.Blend(a, b, 1.5f).Pixels);
        Assert.Equal([0, 200, 199], ImageAdjust.Blend(a, b, -1f).Pixels);
    }

    [Fact]
    public void Enhance_BlendsFromTheirDegenerateImages()
    {
        // Brightness: blend from black; contrast: from the mean luma int(127.5 + 0.5) = 128.
        Assert.Equal([5, 50, 75, 125], ImageAdjust.AdjustBrightness(s_ramp, 0.5).Pixels);
        Assert.Equal([69, 114, 139, 189], ImageAdjust.AdjustContrast(s_ramp, 0.5).Pixels);
        // Colour of a gray pixel is unchanged.
        var grayish = new Image(1, 1, ColorModel.Rgb, [90, 90, 90]);
        Assert.Equal([90, 90, 90], ImageAdjust.AdjustSaturation(grayish, 1.7).Pixels);
    }

    [Fact]
    public void Luma_UsesPilFixedPointWeights()
    {
        Assert.Equal(76, ImageAdjust.Luma(255, 0, 0));
        Assert.Equal(150, ImageAdjust.Luma(0, 255, 0));
        Assert.Equal(29, ImageAdjust.Luma(0, 0, 255));
        Assert.Equal(255, ImageAdjust.Luma(255, 255, 255));
    }

    [Fact]
    public void Hue_ZeroShift_KeepsColoursWithinPilHsvQuantisation()
    {
        var img = TestImages.Noise(16, 16, 3, 3);

        var h = ImageAdjust.AdjustHue(img, 0);

        for (var i = 0; i < img.Pixels.Length; i++)
            Assert.InRange(h.Pixels[i] - img.Pixels[i], -5, 5);
    }

    /// <summary>
    /// A half-turn hue shift takes red to (almost) cyan: PIL's 8-bit hue adds uint8(0.5 * 255) = 127, so H = 127/255 of a
    /// turn, sector 2 with f = 0.988, blue = round(255 * 0.988) = 252.
    /// </summary>
    [Fact]
    public void Hue_HalfTurn_RedBecomesCyanAsPilQuantises()
    {
        var red = new Image(1, 1, ColorModel.Rgb, [255, 0, 0]);

        var h = ImageAdjust.AdjustHue(red, 0.5);

        Assert.Equal([0, 255, 252], h.Pixels);
    }

    [Fact]
    public void Flips_ReverseAndUndoThemselves()
    {
        var img = TestImages.Noise(5, 3, 3, 8);

        var lr = ImageGeometry.FlipLeftRight(img);
        var tb = ImageGeometry.FlipTopBottom(img);

        for (var y = 0; y < 3; y++)
            for (var x = 0; x < 5; x++)
                for (var c = 0; c < 3; c++)
                {
                    Assert.Equal(TestImages.At(img, x, y, c), TestImages.At(lr, 4 - x, y, c));
                    Assert.Equal(TestImages.At(img, x, y, c), TestImages.At(tb, x, 2 - y, c));
                }
        Assert.Equal(img.Pixels, ImageGeometry.FlipLeftRight(lr).Pixels);
        Assert.Equal(img.Pixels, ImageGeometry.FlipTopBottom(tb).Pixels);
    }

    /// <summary>An integer translation moves pixels exactly with every filter and fills what it uncovers.</summary>
    [Theory]
    [InlineData(Interpolation.Nearest)]
    [InlineData(Interpolation.Bilinear)]
    [InlineData(Interpolation.Bicubic)]
    public void Affine_IntegerTranslation_ShiftsAndFills(Interpolation interpolation)
    {
        var img = TestImages.Make(6, 4, 1, (x, y, _) => 10 * x + 60 * y + 5);

        // Output (x, y) samples input (x + 2, y): the image moves two pixels left.
        var t = ImageGeometry.Affine(img, [1, 0, 2, 0, 1, 0], interpolation, [7]);

        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 6; x++)
                Assert.Equal(x + 2 < 6 ? TestImages.At(img, x + 2, y) : 7, TestImages.At(t, x, y));
    }

    [Fact]
    public void Rotate_QuarterTurns_AreExactMoves()
    {
        var img = TestImages.Make(3, 3, 1, (x, y, _) => 3 * y + x);

        var ccw = ImageGeometry.Rotate(img, 90, Interpolation.Bilinear);
        var half = ImageGeometry.Rotate(img, -180, Interpolation.Bicubic);

        // Counter-clockwise: the input's right column is the output's top row.
        Assert.Equal([2, 5, 8, 1, 4, 7, 0, 3, 6], ccw.Pixels);
        Assert.Equal([8, 7, 6, 5, 4, 3, 2, 1, 0], half.Pixels);
        Assert.Equal(img.Pixels, ImageGeometry.Rotate(img, 360, Interpolation.Nearest).Pixels);
    }

    /// <summary>Rotating a non-square image fills the corners it uncovers.</summary>
    [Fact]
    public void Rotate_NonSquare_FillsCorners()
    {
        var img = TestImages.Make(20, 10, 3, (_, _, _) => 50);

        var r = ImageGeometry.Rotate(img, 30, Interpolation.Bilinear, [1, 2, 3]);

        Assert.Equal([1, 2, 3], r.Pixels[..3]);
        Assert.Equal(50, TestImages.At(r, 10, 5));
    }

    [Fact]
    public void Crop_OutsideImage_IsZero()
    {
        var img = TestImages.Make(2, 2, 1, (_, _, _) => 9);

        var c = ImageGeometry.Crop(img, -1, 1, 3, 2);

        Assert.Equal([0, 9, 9, 0, 0, 0], c.Pixels);
    }

    [Fact]
    public void Smooth_KeepsBorderAndAveragesInterior()
    {
        var img = TestImages.Make(3, 3, 1, (x, y, _) => x == 1 && y == 1 ? 130 : 0);

        var s = ImageAdjust.Smooth(img);

        // centre: 130 * 5 / 13 = 50 (exactly, then rounded); border pixels copied.
        Assert.Equal(50, TestImages.At(s, 1, 1));
        Assert.Equal(0, TestImages.At(s, 0, 0));
    }
}
