using TokenVision.Data.Transforms;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Data.Tests.Transforms;

public sealed class MixupTests
{
    private const int B = 8, C = 2, H = 10, W = 12, Classes = 5;

    private static float[] Batch()
    {
        // Every image is constant at its own index + 1, so mixes and boxes are easy to read back.
        var x = new float[B * C * H * W];
        for (var i = 0; i < B; i++)
            x.AsSpan(i * C * H * W, C * H * W).Fill(i + 1);
        return x;
    }

    private static readonly long[] s_labels = [0, 1, 2, 3, 4, 0, 1, 2];

    [Theory]
    [InlineData(MixupMode.Batch, 0.8, 1.0)]
    [InlineData(MixupMode.Pair, 0.8, 1.0)]
    [InlineData(MixupMode.Elem, 0.8, 1.0)]
    [InlineData(MixupMode.Batch, 0.0, 1.0)]
    [InlineData(MixupMode.Elem, 1.0, 0.0)]
    public void Apply_SoftTargets_SumToOne(MixupMode mode, double mixupAlpha, double cutmixAlpha)
    {
        var mixup = new Mixup(Classes, mixupAlpha, cutmixAlpha, mode: mode);
        for (ulong s = 0; s < 30; s++)
        {
            var targets = mixup.Apply(Batch(), B, C, H, W, s_labels, new Generator(s));
            for (var i = 0; i < B; i++)
            {
                var row = targets.AsSpan(i * Classes, Classes);
                var sum = 0f;
                foreach (var v in row)
                {
                    Assert.InRange(v, 0f, 1f);
                    sum += v;
                }
                Assert.Equal(1f, sum, 5);
            }
        }
    }

    [Fact]
    public void Apply_Disabled_GivesSmoothedOneHot()
    {
        var mixup = new Mixup(Classes, labelSmoothing: 0.1) { Enabled = false };
        var x = Batch();

        var t = mixup.Apply(x, B, C, H, W, s_labels, new Generator(1));

        Assert.Equal(Batch(), x);
        Assert.Equal(0.92f, t[0], 6);
        Assert.Equal(0.02f, t[1], 6);
    }

    [Fact]
    public void Apply_Mixup_BlendsWithMirrorPartner()
    {
        var mixup = new Mixup(Classes, mixupAlpha: 1.0, labelSmoothing: 0);
        var x = Batch();
        var lam = new float[B];

        var t = mixup.Apply(x, B, C, H, W, s_labels, new Generator(3), lam);

        for (var i = 0; i < B; i++)
        {
            var expected = (i + 1) * lam[0] + (B - i) * (1 - lam[0]);
            Assert.Equal(expected, x[i * C * H * W], 4);
            Assert.Equal(lam[0], lam[i]);
        }
        // Target of element 0 (label 0) mixed with element 7 (label 2).
        Assert.Equal(lam[0], t[0], 6);
        Assert.Equal(1 - lam[0], t[2], 6);
    }

    /// <summary>CutMix pastes the partner's box; the corrected lambda is 1 - box area / image area.</summary>
    [Fact]
    public void Apply_Cutmix_LambdaMatchesPastedArea()
    {
        var mixup = new Mixup(Classes, mixupAlpha: 0, cutmixAlpha: 1.0, labelSmoothing: 0);
        for (ulong s = 0; s < 30; s++)
        {
            var x = Batch();
            var lam = new float[B];

            mixup.Apply(x, B, C, H, W, s_labels, new Generator(s), lam);

            var pasted = Enumerable.Range(0, H * W).Count(k => x[k] == B);
            Assert.Equal(1.0 - pasted / (double)(H * W), lam[0], 5);
        }
    }

    [Fact]
    public void CutmixBox_Statistics()
    {
        var g = new Generator(8);
        for (var i = 0; i < 500; i++)
        {
            var lam = g.NextDouble();
            var (top, bottom, left, right, corrected) = Mixup.CutmixBox(224, 224, lam, g);
            Assert.InRange(top, 0, bottom);
            Assert.InRange(bottom, top, 224);
            Assert.InRange(left, 0, right);
            Assert.Equal(1.0 - (bottom - top) * (right - left) / (224.0 * 224.0), corrected, 12);
            // Unclipped, the box is (2 * (cut // 2))^2 with cut = int(224 * sqrt(1 - lam)): corrected >= lam minus rounding.
            Assert.True(corrected >= lam - 0.02, $"lam {lam}, corrected {corrected}");
        }
        var (t2, b2, l2, r2, lam2) = Mixup.CutmixBox(100, 100, 0.3, g, minMax: (0.2, 0.4));
        Assert.InRange(b2 - t2, 20, 39);
        Assert.InRange(r2 - l2, 20, 39);
        Assert.Equal(1.0 - (b2 - t2) * (r2 - l2) / 1e4, lam2, 12);
    }

    [Fact]
    public void Apply_Pair_MixesBothMembersSymmetrically()
    {
        var mixup = new Mixup(Classes, mixupAlpha: 1.0, mode: MixupMode.Pair, labelSmoothing: 0);
        var x = Batch();
        var lam = new float[B];

        mixup.Apply(x, B, C, H, W, s_labels, new Generator(5), lam);

        for (var i = 0; i < B / 2; i++)
        {
            var j = B - 1 - i;
            Assert.Equal(lam[i], lam[j]);
            Assert.Equal((i + 1) * lam[i] + (j + 1) * (1 - lam[i]), x[i * C * H * W], 4);
            Assert.Equal((j + 1) * lam[i] + (i + 1) * (1 - lam[i]), x[j * C * H * W], 4);
        }
    }

    [Fact]
    public void Apply_OddBatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Mixup(Classes).Apply(new float[3 * 4], 3, 1, 2, 2, [0, 1, 2], new Generator(1)));
        Assert.Contains("even", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_Tensors_ReturnsFreshTensors()
    {
        using var images = Tensor.FromArray(Batch(), B, C, H, W);
        using var labels = Tensor.FromArray(s_labels, B);

        var (mixed, targets) = new Mixup(Classes, cutmixAlpha: 1.0).Apply(images, labels, new Generator(2));

        Assert.Equal([B, Classes], targets.Shape.ToArray());
        Assert.Equal(Batch(), images.ToArray());
        mixed.Dispose();
        targets.Dispose();
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void Beta_MeanAndVariance(double alpha)
    {
        var g = new Generator(10);
        var xs = Enumerable.Range(0, 20000).Select(_ => Distributions.Beta(g, alpha, alpha)).ToArray();
        var mean = xs.Average();
        var variance = xs.Select(v => (v - mean) * (v - mean)).Average();

        Assert.InRange(mean, 0.49, 0.51);
        Assert.InRange(variance, 0.95 / (4 * (2 * alpha + 1)), 1.05 / (4 * (2 * alpha + 1)));
    }
}
