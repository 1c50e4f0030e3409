using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Data.Tests.Transforms;

public sealed class RandAugmentTests
{
    private static readonly Image s_ramp = new(4, 1, ColorModel.Gray, [10, 100, 150, 250]);

    [Fact]
    public void Parse_TimmPolicies()
    {
        var a = RandAugment.Parse("rand-m9-mstd0.5-inc1");
        Assert.Equal(9, a.Magnitude);
        Assert.Equal(2, a.NumLayers);
        Assert.Equal(0.5, a.Probability);
        Assert.Equal(0.5, a.Options.MagnitudeStd);
        Assert.Equal(RandAugment.IncreasingOps, a.Ops);
        Assert.Null(a.ChoiceWeights);

        var b = RandAugment.Parse("rand-m7-n3-mstd0.5");
        Assert.Equal(7, b.Magnitude);
        Assert.Equal(3, b.NumLayers);
        Assert.Equal(RandAugment.StandardOps, b.Ops);

        var c = RandAugment.Parse("rand-mstd101-mmax15-p0.7-w0");
        Assert.Equal(10, c.Magnitude);
        Assert.True(double.IsPositiveInfinity(c.Options.MagnitudeStd));
        Assert.Equal(15, c.Options.MagnitudeMax);
        Assert.Equal(0.7, c.Probability);
        Assert.NotNull(c.ChoiceWeights);
        Assert.Equal(1.0, c.ChoiceWeights!.Sum(), 12);
        Assert.Equal(0.0, c.ChoiceWeights[c.Ops.ToList().IndexOf("Invert")]);
        Assert.Equal(0.3, c.ChoiceWeights[c.Ops.ToList().IndexOf("Rotate")], 12);
    }

    [Theory]
    [InlineData("augmix-m5", "must start with 'rand'")]
    [InlineData("rand-x5", "unknown section 'x5'")]
    [InlineData("rand-m9-w1", "only weight set w0")]
    [InlineData("rand-m9.5", "malformed number")]
    public void Parse_BadPolicy_Explains(string policy, string reason)
    {
        var e = Assert.Throws<FormatException>(() => RandAugment.Parse(policy));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains(policy, e.Message, StringComparison.Ordinal);
    }

    /// <summary>Each op at a known magnitude against the value computed from timm's level-to-argument formulas.</summary>
    [Fact]
    public void ApplyOp_KnownMagnitudes_MatchFormulas()
    {
        var g = new Generator(1);
        // Solarize: threshold int(m / 10 * 256); m = 5 gives 128.
        Assert.Equal([10, 100, 105, 5], RandAugment.ApplyOp(s_ramp, "Solarize", 5, g).Pixels);
        // SolarizeIncreasing at 10: threshold 256 - 256 = 0, everything inverted.
        Assert.Equal([245, 155, 105, 5], RandAugment.ApplyOp(s_ramp, "SolarizeIncreasing", 10, g).Pixels);
        // Posterize: int(m / 10 * 4) bits; m = 10 keeps 4 bits, m = 3 keeps 1.
        Assert.Equal([0, 96, 144, 240], RandAugment.ApplyOp(s_ramp, "Posterize", 10, g).Pixels);
        Assert.Equal([0, 0, 128, 128], RandAugment.ApplyOp(s_ramp, "Posterize", 3, g).Pixels);
        // PosterizeIncreasing at 10 keeps 4 - 4 = 0 bits.
        Assert.Equal([0, 0, 0, 0], RandAugment.ApplyOp(s_ramp, "PosterizeIncreasing", 10, g).Pixels);
        // SolarizeAdd at 10 adds min(128, 110) = 110 below 128.
        Assert.Equal([120, 210, 150, 250], RandAugment.ApplyOp(s_ramp, "SolarizeAdd", 10, g).Pixels);
        // Brightness: factor m / 10 * 1.8 + 0.1; m = 5 is 1.0 (identity), m = 10 is 1.9 (clipped extrapolation).
        Assert.Equal(s_ramp.Pixels, RandAugment.ApplyOp(s_ramp, "Brightness", 5, g).Pixels);
        Assert.Equal([19, 190, 255, 255], RandAugment.ApplyOp(s_ramp, "Brightness", 10, g).Pixels);
        // Invert and AutoContrast take no magnitude.
        Assert.Equal([245, 155, 105, 5], RandAugment.ApplyOp(s_ramp, "Invert", 3, g).Pixels);
        Assert.Equal([0, 95, 148, 255], RandAugment.ApplyOp(s_ramp, "AutoContrast", 3, g).Pixels);
    }

    /// <summary>Increasing enhance ops use 1 +/- 0.09 m with a random sign: at 10 the factor is 1.9 or 0.1.</summary>
    [Fact]
    public void ApplyOp_BrightnessIncreasing_UsesSignedFactor()
    {
        var seen = new HashSet<string>();
        for (ulong s = 0; s < 20; s++)
        {
            var r = RandAugment.ApplyOp(s_ramp, "BrightnessIncreasing", 10, new Generator(s)).Pixels;
            Assert.True(r.SequenceEqual(new byte[] { 19, 190, 255, 255 }) || r.SequenceEqual(new byte[] { 1, 10, 15, 25 }), string.Join(",", r));
            seen.Add(string.Join(",", r));
        }
        Assert.Equal(2, seen.Count);
    }

    /// <summary>TranslateXRel at 10 moves by 0.45 of the width (9 of 20 pixels) left or right, fill from options.</summary>
    [Fact]
    public void ApplyOp_TranslateXRel_ShiftsByFractionOfWidth()
    {
        var img = TestImages.Make(20, 3, 1, (x, y, _) => 10 * x + y + 1);
        var options = new RandAugmentOptions { Fill = [0] };
        for (ulong s = 0; s < 6; s++)
        {
            var r = RandAugment.ApplyOp(img, "TranslateXRel", 10, new Generator(s), options);
            var left = TestImages.At(r, 0, 0) == TestImages.At(img, 9, 0);
            for (var x = 0; x < 20; x++)
            {
                var src = left ? x + 9 : x - 9;
                Assert.Equal(src is >= 0 and < 20 ? TestImages.At(img, src, 1) : 0, TestImages.At(r, x, 1));
            }
        }
    }

    [Theory]
    [InlineData("Rotate")]
    [InlineData("ShearX")]
    [InlineData("ShearY")]
    [InlineData("TranslateYRel")]
    public void ApplyOp_MagnitudeZero_IsIdentity(string op)
    {
        var img = TestImages.Noise(9, 7, 3, 2);

        var r = RandAugment.ApplyOp(img, op, 0, new Generator(3));

        Assert.Equal(img.Pixels, r.Pixels);
    }

    [Fact]
    public void Apply_SameSeed_SameImage_DifferentSeeds_Differ()
    {
        var ra = RandAugment.Parse("rand-m9-mstd0.5-inc1");
        var img = TestImages.Noise(32, 24, 3, 4);

        var a = ra.Apply(img, new Generator(7));
        var b = ra.Apply(img, new Generator(7));
        var distinct = Enumerable.Range(0, 12).Select(s => Convert.ToHexString(ra.Apply(img, new Generator((ulong)s)).Pixels)).Distinct().Count();

        Assert.Equal(a.Pixels, b.Pixels);
        Assert.True(distinct >= 6, $"only {distinct} distinct outputs from 12 seeds");
    }

    [Fact]
    public void Apply_ProbabilityZero_LeavesImage()
    {
        var ra = new RandAugment(RandAugment.StandardOps, numLayers: 3, magnitude: 9, probability: 0);
        var img = TestImages.Noise(8, 8, 1, 5);

        Assert.Equal(img.Pixels, ra.Apply(img, new Generator(1)).Pixels);
    }

    /// <summary>Weighted choice is without replacement: with two layers over ops of which two have weight, both are used once.</summary>
    [Fact]
    public void Apply_WeightedChoice_DrawsWithoutReplacement()
    {
        var ra = new RandAugment(["Invert", "Solarize", "Posterize"], numLayers: 2, magnitude: 10, probability: 1, choiceWeights: [1, 0, 1]);

        for (ulong seed = 0; seed < 20; seed++)
        {
            var r = ra.Apply(s_ramp, new Generator(seed)).Pixels;
            // Invert then Posterize (4 bits), or Posterize then Invert; never an op twice, never Solarize.
            Assert.True(r.SequenceEqual(new byte[] { 240, 144, 96, 0 }) || r.SequenceEqual(new byte[] { 255, 159, 111, 15 }), string.Join(",", r));
        }
    }

    [Fact]
    public void Apply_GrayImage_Works()
    {
        var ra = RandAugment.Parse("rand-m9-mstd0.5-inc1", new RandAugmentOptions { Fill = [73] });
        var img = TestImages.Noise(28, 28, 1, 6);

        for (ulong s = 0; s < 50; s++)
            Assert.Equal(28 * 28, ra.Apply(img, new Generator(s)).Pixels.Length);
    }

    [Fact]
    public void Apply_WithoutGenerator_Throws()
    {
        var e = Assert.Throws<ArgumentNullException>(() => RandAugment.Parse("rand-m9").Apply(s_ramp, null));
        Assert.Contains("Generator", e.Message, StringComparison.Ordinal);
    }
}
