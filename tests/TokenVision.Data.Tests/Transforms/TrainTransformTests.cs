using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Data.Tests.Transforms;

public sealed class TrainTransformTests
{
    [Fact]
    public void RandomResizedCrop_Crops_StayWithinScaleRatioAndImage()
    {
        var rrc = new RandomResizedCrop(224, 224);
        var g = new Generator(42);
        const int W = 640, H = 427;
        for (var i = 0; i < 2000; i++)
        {
            var (top, left, h, w) = rrc.SampleCrop(W, H, g);
            Assert.InRange(top, 0, H - h);
            Assert.InRange(left, 0, W - w);
            var area = (double)w * h / (W * H);
            // Sides are rounded to whole pixels, so the bounds hold to within a pixel's worth.
            Assert.InRange(area, 0.08 * 0.95, 1.0);
            Assert.InRange((double)w / h, 0.75 * 0.97, 4.0 / 3.0 * 1.03);
        }
    }

    [Fact]
    public void RandomResizedCrop_Impossible_FallsBackToCentredRatioCrop()
    {
        // A 100x10 strip never fits a crop of at least its own area with ratio <= 4/3, so the fallback clamps to 4/3.
        var rrc = new RandomResizedCrop(8, 8, scale: (1.0, 1.0));

        var (top, left, h, w) = rrc.SampleCrop(100, 10, new Generator(1));

        Assert.Equal((0, 43, 10, 13), (top, left, h, w));
    }

    [Fact]
    public void RandomResizedCrop_Apply_GivesOutputSizeDeterministically()
    {
        var rrc = new RandomResizedCrop(32, 48, interpolations: [Interpolation.Bilinear, Interpolation.Bicubic]);
        var img = TestImages.Noise(100, 80, 3, 1);

        var a = rrc.Apply(img, new Generator(9));
        var b = rrc.Apply(img, new Generator(9));

        Assert.Equal((48, 32), (a.Width, a.Height));
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void RandomHorizontalFlip_FlipsAboutHalfTheTime()
    {
        var flip = new RandomHorizontalFlip();
        var img = TestImages.Make(3, 1, 1, (x, _, _) => x);
        var g = new Generator(5);

        var flipped = Enumerable.Range(0, 2000).Count(_ => flip.Apply(img, g).Pixels[0] == 2);

        Assert.InRange(flipped, 900, 1100);
        Assert.Equal([2, 1, 0], new RandomHorizontalFlip(1).Apply(img, g).Pixels);
        Assert.Same(img, new RandomHorizontalFlip(0).Apply(img, g));
    }

    [Fact]
    public void ColorJitter_Ranges_AndDeterminism()
    {
        var cj = new ColorJitter(0.4, 0.4, 0.4, 0.1);
        var img = TestImages.Noise(16, 16, 3, 2);

        Assert.Equal((0.6, 1.4), cj.Brightness!.Value);
        Assert.Equal((-0.1, 0.1), cj.Hue!.Value);
        Assert.Equal(cj.Apply(img, new Generator(3)).Pixels, cj.Apply(img, new Generator(3)).Pixels);
        Assert.NotEqual(img.Pixels, cj.Apply(img, new Generator(3)).Pixels);
        Assert.Equal(img.Pixels, new ColorJitter().Apply(img, new Generator(3)).Pixels);
    }

    /// <summary>With only brightness on, the result is a blend from black by a factor in [0.6, 1.4].</summary>
    [Fact]
    public void ColorJitter_BrightnessOnly_ScalesWithinRange()
    {
        var cj = new ColorJitter(brightness: 0.4);
        var img = TestImages.Make(1, 1, 3, (_, _, _) => 100);

        for (ulong s = 0; s < 200; s++)
            Assert.InRange(cj.Apply(img, new Generator(s)).Pixels[0], 59, 140);
    }

    [Fact]
    public void RandomErasing_Const_ErasesOneRectangleOfBoundedArea()
    {
        var re = new RandomErasing(probability: 1.0);
        for (ulong s = 0; s < 200; s++)
        {
            var x = new FloatImage(3, 40, 50);
            x.Data.AsSpan().Fill(1f);

            re.Apply(x, new Generator(s));

            var zeros = Enumerable.Range(0, 40 * 50).Where(i => x.Data[i] == 0f).ToArray();
            if (zeros.Length == 0)
                continue; // all 10 attempts may miss for extreme aspects
            int minY = zeros.Min(i => i / 50), maxY = zeros.Max(i => i / 50), minX = zeros.Min(i => i % 50), maxX = zeros.Max(i => i % 50);
            Assert.Equal((maxY - minY + 1) * (maxX - minX + 1), zeros.Length);
            Assert.InRange(zeros.Length / 2000.0, 0.02 * 0.7, 1.0 / 3.0 * 1.3);
            for (var c = 1; c < 3; c++)
                foreach (var i in zeros)
                    Assert.Equal(0f, x.Data[c * 2000 + i]);
        }
    }

    [Fact]
    public void RandomErasing_ProbabilityZero_AndPixelMode()
    {
        var x = new FloatImage(1, 10, 10);
        x.Data.AsSpan().Fill(5f);
        new RandomErasing(probability: 0).Apply(x, new Generator(1));
        Assert.All(x.Data, v => Assert.Equal(5f, v));

        new RandomErasing(probability: 1, mode: "pixel").Apply(x, new Generator(2));
        Assert.Contains(x.Data, v => v != 5f);
    }

    [Fact]
    public void CreateTrain_WithRandAugment_DropsColorJitter_AddsErasing()
    {
        var config = new DataConfig { InputSize = [3, 64, 64] };

        var t = TransformFactory.CreateTrain(config, new TrainTransformConfig { AutoAugment = "rand-m9-mstd0.5-inc1", ReProb = 0.25 });

        Assert.Collection(t.ImageSteps,
            s => Assert.IsType<RandomResizedCrop>(s),
            s => Assert.IsType<RandomHorizontalFlip>(s),
            s => Assert.IsType<RandAugment>(s));
        Assert.IsType<RandomErasing>(Assert.Single(t.FloatSteps));
        var ra = (RandAugment)t.ImageSteps[2];
        Assert.Equal(28, ra.Options.TranslateConst);
        Assert.Equal([124, 116, 104], ra.Options.Fill);
        Assert.Equal([Interpolation.Bilinear, Interpolation.Bicubic], ((RandomResizedCrop)t.ImageSteps[0]).Interpolations);
    }

    [Fact]
    public void CreateTrain_Default_HasColorJitter_AndRunsDeterministically()
    {
        var config = new DataConfig { InputSize = [3, 32, 32] };
        var t = TransformFactory.CreateTrain(config);
        var img = TestImages.Noise(60, 45, 3, 3);

        var a = t.Apply(img, new Generator(4));
        var b = t.Apply(img, new Generator(4));

        Assert.IsType<ColorJitter>(t.ImageSteps[^1]);
        Assert.Equal([3, 32, 32], a.Shape);
        Assert.Equal(a.Data, b.Data);
        Assert.Throws<NotSupportedException>(() => TransformFactory.CreateTrain(config, new TrainTransformConfig { AutoAugment = "v0" }));
        var keep = TransformFactory.CreateTrain(config, new TrainTransformConfig { AutoAugment = "rand-m9-n2", ForceColorJitter = true, Interpolation = "bicubic" });
        Assert.IsType<ColorJitter>(keep.ImageSteps[^1]);
    }
}
