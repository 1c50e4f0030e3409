using TokenVision.Tensors;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Tensors.Tests;

public class FunctionalTests
{
    private static readonly Generator s_gen = new(21);

    private static Tensor Leaf(float low, float high, params int[] shape) => GradCheck.Leaf(s_gen, low, high, shape);

    /// <summary>Distinct values at least 0.1 apart, so max-type ops have no near ties under finite differences.</summary>
    private static Tensor Spaced(params int[] shape) => GradCheck.Spaced(s_gen, shape);

    private static void Close(float[] expected, float[] actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Softmax_And_LogSoftmax()
    {
        using var x = Tensor.FromArray([1f, 2, 3, 1000, 1000, 1000], 2, 3);
        using var s = Functional.Softmax(x, -1);
        var e = new[] { Math.Exp(-2), Math.Exp(-1), 1.0 };
        var z = e.Sum();
        Close([(float)(e[0] / z), (float)(e[1] / z), (float)(e[2] / z), 1 / 3f, 1 / 3f, 1 / 3f], s.ToArray());
        using var ls = Functional.LogSoftmax(x, -1);
        Assert.Equal(Math.Log(e[0] / z), ls.ToArray()[0], 1e-5);
        GradCheck.Check(t => Functional.Softmax(t[0], 1), [Leaf(-2, 2, 2, 4, 3)]);
        GradCheck.Check(t => Functional.LogSoftmax(t[0], -1), [Leaf(-2, 2, 3, 4)]);
    }

    [Fact]
    public void LayerNorm_MatchesDefinition_AndGradients()
    {
        var g = new Generator(1);
        using var x = Tensor.Randn([3, 5], g);
        using var w = Tensor.Randn([5], g);
        using var b = Tensor.Randn([5], g);
        using var y = Functional.LayerNorm(x, [5], w, b, 1e-6f);
        var xs = x.ToArray();
        var (ws, bs, ys) = (w.ToArray(), b.ToArray(), y.ToArray());
        for (var r = 0; r < 3; r++)
        {
            var row = xs.Skip(r * 5).Take(5).Select(v => (double)v).ToArray();
            var mean = row.Average();
            var variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (var c = 0; c < 5; c++)
                Assert.Equal((row[c] - mean) / Math.Sqrt(variance + 1e-6) * ws[c] + bs[c], ys[r * 5 + c], 1e-5);
        }
        GradCheck.Check(t => Functional.LayerNorm(t[0], [4], t[1], t[2]), [Leaf(-2, 2, 3, 4), Leaf(0.5f, 1.5f, 4), Leaf(-1, 1, 4)]);
    }

    [Fact]
    public void BatchNorm_TrainUpdatesRunningStats_EvalUsesThem()
    {
        var g = new Generator(2);
        using var x = Tensor.Randn([4, 3, 2, 2], g);
        using var rm = Tensor.Zeros(3);
        using var rv = Tensor.Ones(3);
        using var y = Functional.BatchNorm(x, rm, rv, null, null, training: true, momentum: 0.1f, eps: 1e-5f);
        // Per-channel output mean 0 and biased variance ~1.
        using var m = y.Mean([0, 2, 3]);
        Assert.All(m.ToArray(), v => Assert.Equal(0, v, 1e-5));
        var xs = x.ToArray();
        var ch0 = Enumerable.Range(0, 4).SelectMany(n => Enumerable.Range(0, 4).Select(k => (double)xs[n * 12 + k])).ToArray();
        var mean0 = ch0.Average();
        var var0 = ch0.Select(v => (v - mean0) * (v - mean0)).Sum() / (ch0.Length - 1);
        Assert.Equal(0.1 * mean0, rm.ToArray()[0], 1e-5);
        Assert.Equal(0.9 + 0.1 * var0, rv.ToArray()[0], 1e-5);
        using var ye = Functional.BatchNorm(x, rm, rv, null, null, training: false, eps: 0);
        Assert.Equal((xs[0] - rm.ToArray()[0]) / Math.Sqrt(rv.ToArray()[0]), ye.ToArray()[0], 1e-5);
        GradCheck.Check(t => Functional.BatchNorm(t[0], null, null, t[1], t[2], training: true), [Leaf(-2, 2, 3, 2, 2), Leaf(0.5f, 1.5f, 2), Leaf(-1, 1, 2)]);
    }

    [Fact]
    public void GroupNorm_Gradients()
    {
        GradCheck.Check(t => Functional.GroupNorm(t[0], 2, t[1], t[2]), [Leaf(-2, 2, 2, 4, 3), Leaf(0.5f, 1.5f, 4), Leaf(-1, 1, 4)]);
    }

    [Fact]
    public void Dropout_ScalesKeptElements_AndIsIdentityInEval()
    {
        using var x = Tensor.Ones(10000);
        using var y = Functional.Dropout(x, 0.25f, training: true, new Generator(3));
        var v = y.ToArray();
        Assert.All(v, e => Assert.True(e == 0 || Math.Abs(e - 4f / 3) < 1e-6));
        Assert.InRange(v.Count(e => e == 0), 2300, 2700);
        using var z = Functional.Dropout(x, 0.25f, training: false, new Generator(3));
        Assert.All(z.ToArray(), e => Assert.Equal(1f, e));
    }

    private static float[] NaiveConv2d(float[] x, int n, int c, int h, int w, float[] wt, int o, int kh, int kw, int s, int p, int dil, int groups, out int oh, out int ow)
    {
        oh = (h + 2 * p - dil * (kh - 1) - 1) / s + 1;
        ow = (w + 2 * p - dil * (kw - 1) - 1) / s + 1;
        var cg = c / groups;
        var og = o / groups;
        var y = new float[n * o * oh * ow];
        for (var b = 0; b < n; b++)
            for (var oc = 0; oc < o; oc++)
            {
                var gi = oc / og;
                for (var i = 0; i < oh; i++)
                    for (var j = 0; j < ow; j++)
                    {
                        double sum = 0;
                        for (var ic = 0; ic < cg; ic++)
                            for (var a = 0; a < kh; a++)
                                for (var bb = 0; bb < kw; bb++)
                                {
                                    var yy = i * s - p + a * dil;
                                    var xx = j * s - p + bb * dil;
                                    if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                                        continue;
                                    sum += x[((b * c + gi * cg + ic) * h + yy) * w + xx] * wt[((oc * cg + ic) * kh + a) * kw + bb];
                                }
                        y[((b * o + oc) * oh + i) * ow + j] = (float)sum;
                    }
            }
        return y;
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(1, 2, 2, 1)]
    [InlineData(2, 1, 1, 2)]
    [InlineData(1, 1, 1, 4)]
    [InlineData(2, 1, 1, 4)]
    [InlineData(3, 2, 2, 4)]
    public void Conv2d_MatchesNaive(int stride, int padding, int dilation, int groups)
    {
        var g = new Generator(4);
        using var x = Tensor.Randn([2, 4, 7, 6], g);
        using var w = Tensor.Randn([4, 4 / groups, 3, 3], g);
        using var b = Tensor.Randn([4], g);
        using var y = Functional.Conv2d(x, w, b, (stride, stride), (padding, padding), (dilation, dilation), groups);
        var expected = NaiveConv2d(x.ToArray(), 2, 4, 7, 6, w.ToArray(), 4, 3, 3, stride, padding, dilation, groups, out var oh, out var ow);
        Assert.Equal(new[] { 2, 4, oh, ow }, y.Shape);
        var bs = b.ToArray();
        for (var i = 0; i < expected.Length; i++)
            expected[i] += bs[i / (oh * ow) % 4];
        Close(expected, y.ToArray(), 1e-4);
    }

    [Fact]
    public void Conv_Gradients_1d_2d_3d_Depthwise_Pointwise()
    {
        GradCheck.Check(t => Functional.Conv1d(t[0], t[1], t[2], stride: 2, padding: 1), [Leaf(-1, 1, 2, 3, 7), Leaf(-1, 1, 4, 3, 3), Leaf(-1, 1, 4)]);
        GradCheck.Check(t => Functional.Conv2d(t[0], t[1], t[2], (2, 1), (1, 0), (1, 2), groups: 2), [Leaf(-1, 1, 2, 4, 5, 6), Leaf(-1, 1, 4, 2, 2, 3), Leaf(-1, 1, 4)]);
        GradCheck.Check(t => Functional.Conv3d(t[0], t[1], null, (1, 2, 2), (1, 1, 1)), [Leaf(-1, 1, 1, 2, 3, 4, 4), Leaf(-1, 1, 3, 2, 3, 3, 3)]);
        GradCheck.Check(t => Functional.Conv2d(t[0], t[1], null, groups: 3, padding: (1, 1)), [Leaf(-1, 1, 2, 3, 4, 4), Leaf(-1, 1, 3, 1, 3, 3)]);
        // Depthwise (the direct kernel): strides along every axis, a channel multiplier of 2, dilation, 1-D and 3-D.
        GradCheck.Check(t => Functional.Conv2d(t[0], t[1], t[2], (2, 3), (1, 2), (1, 2), groups: 2), [Leaf(-1, 1, 2, 2, 5, 9), Leaf(-1, 1, 4, 1, 3, 2), Leaf(-1, 1, 4)]);
        GradCheck.Check(t => Functional.Conv3d(t[0], t[1], null, (2, 1, 2), (1, 1, 1), groups: 3), [Leaf(-1, 1, 1, 3, 3, 4, 5), Leaf(-1, 1, 3, 1, 3, 3, 3)]);
        GradCheck.Check(t => Functional.Conv1d(t[0], t[1], null, stride: 2, padding: 2, groups: 2), [Leaf(-1, 1, 2, 2, 9), Leaf(-1, 1, 2, 1, 4)]);
        GradCheck.Check(t => Functional.Conv2d(t[0], t[1], t[2]), [Leaf(-1, 1, 2, 3, 2, 3), Leaf(-1, 1, 5, 3, 1, 1), Leaf(-1, 1, 5)]);
    }

    [Fact]
    public void Conv_SamePadding_KeepsSize()
    {
        var g = new Generator(5);
        using var x = Tensor.Randn([1, 2, 5, 6], g);
        using var w = Tensor.Randn([3, 2, 4, 3], g);
        using var y = Functional.Conv(x, w, null, ConvPadding.Same);
        Assert.Equal(new[] { 1, 3, 5, 6 }, y.Shape);
        // Even kernel: PyTorch pads 1 before and 2 after along H.
        using var xp = x.Pad([1, 1, 1, 2]);
        using var y2 = Functional.Conv2d(xp, w);
        Close(y2.ToArray(), y.ToArray(), 1e-5);
    }

    [Fact]
    public void MaxPool_MatchesPyTorchSemantics()
    {
        using var x = Tensor.FromArray(Enumerable.Range(0, 25).Select(i => (float)((i * 7) % 11)).ToArray(), 1, 1, 5, 5);
        using var y = Functional.MaxPool2d(x, 3, 2, 1);
        Assert.Equal(new[] { 1, 1, 3, 3 }, y.Shape);
        var xs = x.ToArray();
        float Max(int r0, int r1, int c0, int c1)
        {
            var m = float.NegativeInfinity;
            for (var r = Math.Max(r0, 0); r <= Math.Min(r1, 4); r++)
                for (var c = Math.Max(c0, 0); c <= Math.Min(c1, 4); c++)
                    m = Math.Max(m, xs[r * 5 + c]);
            return m;
        }
        var expected = new List<float>();
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                expected.Add(Max(i * 2 - 1, i * 2 + 1, j * 2 - 1, j * 2 + 1));
        Assert.Equal(expected, y.ToArray());
        // ceil_mode adds a partial window only when it starts inside the input.
        using var x6 = Tensor.Zeros(1, 1, 6, 6);
        using var yc = Functional.MaxPool2d(x6, 2, 2, 0, ceilMode: true);
        Assert.Equal(new[] { 1, 1, 3, 3 }, yc.Shape);
        using var x5 = Tensor.Zeros(1, 1, 5, 5);
        using var yc5 = Functional.MaxPool2d(x5, 2, 2, 0, ceilMode: true);
        Assert.Equal(new[] { 1, 1, 3, 3 }, yc5.Shape);
        GradCheck.Check(t => Functional.MaxPool2d(t[0], 2, 2, 1), [Spaced(1, 2, 4, 5)]);
        GradCheck.Check(t => Functional.MaxPool1d(t[0], 3, 1, 1, dilation: 2), [Spaced(1, 2, 7)]);
        GradCheck.Check(t => Functional.MaxPool3d(t[0], (2, 2, 2)), [Spaced(1, 1, 4, 4, 4)]);
    }

    [Fact]
    public void AvgPool_CountIncludePad_And_Divisor()
    {
        using var x = Tensor.Ones(1, 1, 4, 4);
        using var a = Functional.AvgPool2d(x, 3, 2, 1, countIncludePad: true);
        // Corner window covers 4 real and 5 padded elements.
        Assert.Equal(4f / 9, a.ToArray()[0], 1e-6);
        using var b = Functional.AvgPool2d(x, 3, 2, 1, countIncludePad: false);
        Assert.All(b.ToArray(), v => Assert.Equal(1f, v, 1e-6));
        using var c = Functional.AvgPool2d(x, 2, divisorOverride: 3);
        Assert.All(c.ToArray(), v => Assert.Equal(4f / 3, v, 1e-6));
        // ceil_mode with count_include_pad: the window past the input is clipped to input + padding.
        using var x5 = Tensor.Ones(1, 1, 5, 5);
        using var d = Functional.AvgPool2d(x5, 2, 2, 0, ceilMode: true);
        Assert.Equal(1f, d.ToArray()[^1], 1e-6);
        GradCheck.Check(t => Functional.AvgPool2d(t[0], 3, 2, 1, countIncludePad: false), [Leaf(-1, 1, 1, 2, 5, 5)]);
        GradCheck.Check(t => Functional.AvgPool3d(t[0], (1, 2, 2), ceilMode: true), [Leaf(-1, 1, 1, 1, 2, 3, 3)]);
    }

    [Fact]
    public void AdaptivePools_UsePyTorchWindows()
    {
        using var x = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => (float)i).ToArray(), 1, 1, 10);
        using var a = Functional.AdaptiveAvgPool(x, 3);
        // windows [0,4), [3,7), [6,10)
        Close([1.5f, 4.5f, 7.5f], a.ToArray());
        using var m = Functional.AdaptiveMaxPool(x, 3);
        Assert.Equal(new[] { 3f, 6, 9 }, m.ToArray());
        GradCheck.Check(t => Functional.AdaptiveAvgPool(t[0], 2, 3), [Leaf(-1, 1, 2, 2, 5, 7)]);
        GradCheck.Check(t => Functional.AdaptiveMaxPool(t[0], 1, 1), [Spaced(2, 2, 3, 3)]);
    }

    [Fact]
    public void Interpolate_KnownValues()
    {
        using var x = Tensor.FromArray([0f, 10, 20, 30], 1, 1, 4);
        using var n = Functional.Interpolate(x, [8], InterpolationMode.Nearest);
        Assert.Equal(new[] { 0f, 0, 10, 10, 20, 20, 30, 30 }, n.ToArray());
        using var l = Functional.Interpolate(x, [8], InterpolationMode.Linear);
        // torch.nn.functional.interpolate(x, 8, mode='linear'): src = (i + 0.5) / 2 - 0.5, clamped at 0.
        Close([0f, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30f], l.ToArray());
        using var la = Functional.Interpolate(x, [7], InterpolationMode.Linear, alignCorners: true);
        Close([0f, 5, 10, 15, 20, 25, 30], la.ToArray());
        using var c = Functional.Interpolate(x, [2], InterpolationMode.Cubic);
        // src = 0.5 and 2.5: A = -0.75 weights at t = 0.5 are [-0.09375, 0.59375, 0.59375, -0.09375], clamped borders.
        Close([-0.09375f * 0 + 0.59375f * 0 + 0.59375f * 10 - 0.09375f * 20, -0.09375f * 10 + 0.59375f * 20 + 0.59375f * 30 - 0.09375f * 30], c.ToArray());
        // Antialiased linear downsampling by 2: centre 1 has support [-1, 3) -> taps 0, 1, 2 with
        // triangle weights (0.25, 0.75, 0.75, 0.25) clipped at the border and renormalised: (0.25*0 + 0.75*10 + 0.75*20... )
        using var aa = Functional.Interpolate(x, [2], InterpolationMode.Linear, antialias: true);
        Close([(0.75f * 0 + 0.75f * 10 + 0.25f * 20) / 1.75f, (0.25f * 10 + 0.75f * 20 + 0.75f * 30) / 1.75f], aa.ToArray());
        var m = Functional.InterpolationMatrix(8, 4, InterpolationMode.Cubic, false, true);
        for (var r = 0; r < 4; r++)
            Assert.Equal(1.0, m.Skip(r * 8).Take(8).Sum(), 1e-6);
        GradCheck.Check(t => Functional.Interpolate(t[0], [5, 3], InterpolationMode.Cubic), [Leaf(-1, 1, 1, 2, 3, 4)]);
        GradCheck.Check(t => Functional.Interpolate(t[0], [2, 2], InterpolationMode.Cubic, antialias: true), [Leaf(-1, 1, 1, 1, 5, 4)]);
        GradCheck.Check(t => Functional.Interpolate(t[0], [2, 3, 5], InterpolationMode.Linear, alignCorners: true), [Leaf(-1, 1, 1, 1, 2, 2, 3)]);
    }

    [Fact]
    public void CrossEntropy_MatchesHandComputation()
    {
        using var logits = Tensor.FromArray([1f, 2, 3, 1, 1, 1, 0, 5, -1], 3, 3);
        using var target = Tensor.FromArray([2L, 0, -100], 3);
        using var loss = Functional.CrossEntropy(logits, target);
        var l0 = -(3 - Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        var l1 = Math.Log(3);
        Assert.Equal((l0 + l1) / 2, loss.Item(), 1e-5);
        using var none = Functional.CrossEntropy(logits, target, reduction: Reduction.None);
        Close([(float)l0, (float)l1, 0], none.ToArray());
        // Label smoothing 0.1: (1 - 0.1) nll + 0.1 * mean over classes of -log p.
        using var ls = Functional.CrossEntropy(logits, target, labelSmoothing: 0.1f);
        var lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        var smooth0 = (3 * lse0 - 6) / 3;
        var smooth1 = Math.Log(3);
        Assert.Equal(0.9 * (l0 + l1) / 2 + 0.1 * (smooth0 + smooth1) / 2, ls.Item(), 1e-5);
        using var w = Tensor.FromArray([1f, 2, 3]);
        using var lw = Functional.CrossEntropy(logits, target, w);
        Assert.Equal((3 * l0 + 1 * l1) / 4, lw.Item(), 1e-5);
        using var lt = Tensor.FromArray([2L, 0, 1], 3);
        GradCheck.Check(t => Functional.CrossEntropy(t[0], lt, labelSmoothing: 0.2f), [Leaf(-2, 2, 3, 3)]);
        using var soft = Tensor.FromArray([0.2f, 0.3f, 0.5f, 1, 0, 0], 2, 3);
        GradCheck.Check(t => Functional.CrossEntropy(t[0], soft), [Leaf(-2, 2, 2, 3)]);
        using var t2 = Tensor.FromArray([0L, 2, 1, 1], 2, 2);
        GradCheck.Check(t => Functional.CrossEntropy(t[0], t2, w), [Leaf(-2, 2, 2, 3, 2)]);
    }

    [Fact]
    public void OtherLosses_MatchDefinitions()
    {
        using var a = Tensor.FromArray([0.5f, -1, 2]);
        using var b = Tensor.FromArray([1f, 1, 1]);
        using (var mse = Functional.MseLoss(a, b))
            Assert.Equal((0.25 + 4 + 1) / 3, mse.Item(), 1e-6);
        using (var l1 = Functional.L1Loss(a, b, Reduction.Sum))
            Assert.Equal(3.5, l1.Item(), 1e-6);
        using (var sl1 = Functional.SmoothL1Loss(a, b, beta: 1))
            Assert.Equal((0.125 + 1.5 + 0.5) / 3, sl1.Item(), 1e-6);
        using var y = Tensor.FromArray([1f, 0, 1]);
        using (var bce = Functional.BinaryCrossEntropyWithLogits(a, y))
        {
            double S(double x) => 1 / (1 + Math.Exp(-x));
            var expected = -(Math.Log(S(0.5)) + Math.Log(1 - S(-1)) + Math.Log(S(2))) / 3;
            Assert.Equal(expected, bce.Item(), 1e-6);
        }
        using var logp = Functional.LogSoftmax(a, 0);
        using var p = Tensor.FromArray([0.2f, 0f, 0.8f]);
        using (var kl = Functional.KlDiv(logp, p, Reduction.Sum))
        {
            var lp = logp.ToArray();
            Assert.Equal(0.2 * (Math.Log(0.2) - lp[0]) + 0.8 * (Math.Log(0.8) - lp[2]), kl.Item(), 1e-5);
        }
        GradCheck.Check(t => Functional.SmoothL1Loss(t[0], t[1]), [Leaf(-2, 2, 6), Leaf(-2, 2, 6)]);
        GradCheck.Check(t => Functional.BinaryCrossEntropyWithLogits(t[0], y, posWeight: b), [Leaf(-2, 2, 3)]);
        GradCheck.Check(t => Functional.KlDiv(Functional.LogSoftmax(t[0], 0), p, batchMean: true), [Leaf(-2, 2, 3)]);
        GradCheck.Check(t => Functional.MseLoss(t[0], t[1]), [Leaf(-2, 2, 4), Leaf(-2, 2, 4)]);
        GradCheck.Check(t => Functional.L1Loss(t[0], b), [Leaf(1.5f, 2, 3)]);
    }

    [Fact]
    public void Attention_MatchesExplicitSoftmax_WithBiasAndMask()
    {
        var g = new Generator(8);
        using var q = Tensor.Randn([2, 3, 5, 4], g);
        using var k = Tensor.Randn([2, 3, 6, 4], g);
        using var v = Tensor.Randn([2, 3, 6, 2], g);
        using var bias = Tensor.Randn([3, 5, 6], g);
        using var y = Functional.ScaledDotProductAttention(q, k, v, bias);
        using var scores = q.MatMul(k.MT).Mul(0.5f) + bias;
        using var expected = Functional.Softmax(scores, -1).MatMul(v);
        Close(expected.ToArray(), y.ToArray(), 1e-5);
        var keep = Enumerable.Range(0, 30).Select(i => i % 6 != 2).ToArray();
        using var mask = Tensor.FromArray(keep, 5, 6);
        using var ym = Functional.ScaledDotProductAttention(q, k, v, mask);
        using var masked = q.MatMul(k.MT).Mul(0.5f).MaskedFill(mask.LogicalNot(), float.NegativeInfinity);
        using var expectedM = Functional.Softmax(masked, -1).MatMul(v);
        Close(expectedM.ToArray(), ym.ToArray(), 1e-5);
        GradCheck.Check(t => Functional.ScaledDotProductAttention(t[0], t[1], t[2], t[3]), [Leaf(-1, 1, 1, 2, 3, 4), Leaf(-1, 1, 1, 2, 4, 4), Leaf(-1, 1, 1, 2, 4, 3), Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(t => Functional.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true), [Leaf(-1, 1, 1, 3, 2), Leaf(-1, 1, 1, 3, 2), Leaf(-1, 1, 1, 3, 2)]);
    }
}
