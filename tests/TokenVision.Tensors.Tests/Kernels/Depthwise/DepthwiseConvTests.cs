using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Conv;
using TokenVision.Tensors.Kernels.Depthwise;
using TokenVision.Tensors.Tests.Kernels.Fused;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Depthwise;

public sealed unsafe class DepthwiseConvTests
{
    public static TheoryData<IsaLevel> Levels => FusedTestData.Levels;

    /// <summary>(input d, h, w, kernel d, h, w, stride d, h, w, dilation w, padding before/after w).</summary>
    private static IEnumerable<(int[] In, int[] Kernel, int[] Stride, int[] Dilation, int[] PadBefore, int[] PadAfter)> Geometries()
    {
        // Every output width from 1 to 49 (three 16-float vectors) at strides 1 to 3, 2-D, 3x3, padding 1.
        foreach (var s in new[] { 1, 2, 3 })
            for (var iw = 1; iw <= 49 * s; iw += s == 1 ? 1 : 5)
                yield return ([1, 3, iw], [1, 3, 3], [1, s, s], [1, 1, 1], [0, 1, 1], [0, 1, 1]);
        // Strides and dilations that differ per axis, asymmetric padding, 1-D and 3-D.
        yield return ([1, 1, 37], [1, 1, 5], [1, 1, 2], [1, 1, 2], [0, 0, 3], [0, 0, 1]);
        yield return ([1, 9, 20], [1, 3, 4], [1, 2, 3], [1, 2, 1], [0, 2, 0], [0, 1, 2]);
        yield return ([4, 7, 18], [3, 3, 3], [1, 2, 2], [1, 1, 1], [1, 1, 1], [1, 1, 1]);
        yield return ([5, 6, 33], [3, 3, 3], [2, 1, 4], [2, 1, 1], [2, 1, 1], [1, 0, 2]);
        yield return ([1, 56, 56], [1, 3, 3], [1, 4, 4], [1, 1, 1], [0, 1, 1], [0, 1, 1]);
    }

    private static IEnumerable<(DepthwiseShape Shape, string Name)> Shapes()
    {
        foreach (var (inDims, kernel, stride, dilation, before, after) in Geometries())
        {
            var g = new ConvGeometry(inDims, kernel, stride, dilation, before, after);
            foreach (var (batch, channels, multiplier) in new[] { (2, 3, 1), (1, 2, 2) })
                yield return (new DepthwiseShape(batch, channels, multiplier, g),
                    $"in {string.Join("x", inDims)} k {string.Join("x", kernel)} s {string.Join("x", stride)} n{batch} c{channels} m{multiplier}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ForwardAndGradients_MatchReferenceBitwise(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        var seed = 0;
        foreach (var (s, name) in Shapes())
        {
            seed++;
            var x = FusedTestData.Random(seed, s.Batch * s.Channels * s.InSize);
            var w = FusedTestData.Random(seed + 1000, s.OutChannels * s.KernelSize);
            var bias = FusedTestData.Random(seed + 2000, s.OutChannels);
            var gy = FusedTestData.Random(seed + 3000, s.Batch * s.OutChannels * s.OutSize);
            var y = new float[gy.Length];
            var yRef = new float[gy.Length];
            var gx = new float[x.Length];
            var gxRef = new float[x.Length];
            var gw = new float[w.Length];
            var gwRef = new float[w.Length];
            fixed (float* px = x, pw = w, pb = bias, pgy = gy, py = y, pyr = yRef, pgx = gx, pgxr = gxRef, pgw = gw, pgwr = gwRef)
            {
                DepthwiseConv.Forward(Isa.Current, s, px, pw, seed % 2 == 0 ? pb : null, py);
                DepthwiseReference.Forward(s, px, pw, seed % 2 == 0 ? pb : null, pyr);
                DepthwiseConv.BackwardInput(Isa.Current, s, pgy, pw, pgx);
                DepthwiseReference.BackwardInput(s, pgy, pw, pgxr);
                DepthwiseConv.BackwardWeight(Isa.Current, s, px, pgy, pgw);
                DepthwiseReference.BackwardWeight(s, px, pgy, pgwr);
            }
            AssertBitwise(yRef, y, $"{level} forward {name}");
            AssertBitwise(gxRef, gx, $"{level} input gradient {name}");
            AssertBitwise(gwRef, gw, $"{level} weight gradient {name}");
        }
    }

    [Fact]
    public void Reference_MatchesDirectSums()
    {
        // One 2-D case summed in double straight from the definition of a (transposed) convolution.
        var g = new ConvGeometry([5, 7], [3, 2], [2, 3], [1, 2], [1, 2], [0, 1]);
        var s = new DepthwiseShape(2, 2, 2, g);
        var x = FusedTestData.Random(1, s.Batch * s.Channels * s.InSize);
        var w = FusedTestData.Random(2, s.OutChannels * s.KernelSize);
        var gy = FusedTestData.Random(3, s.Batch * s.OutChannels * s.OutSize);
        var y = new float[gy.Length];
        var gx = new float[x.Length];
        var gw = new float[w.Length];
        fixed (float* px = x, pw = w, pgy = gy, py = y, pgx = gx, pgw = gw)
        {
            DepthwiseReference.Forward(s, px, pw, null, py);
            DepthwiseReference.BackwardInput(s, pgy, pw, pgx);
            DepthwiseReference.BackwardWeight(s, px, pgy, pgw);
        }
        var ey = new double[y.Length];
        var egx = new double[x.Length];
        var egw = new double[w.Length];
        for (var n = 0; n < s.Batch; n++)
        for (var oc = 0; oc < s.OutChannels; oc++)
        for (var oh = 0; oh < s.Oh; oh++)
        for (var ow = 0; ow < s.Ow; ow++)
        for (var kh = 0; kh < s.Kh; kh++)
        for (var kw = 0; kw < s.Kw; kw++)
        {
            var h = oh * s.Sh - s.Ph + kh * s.Dh;
            var i = ow * s.Sw - s.Pw + kw * s.Dw;
            if ((uint)h >= (uint)s.Ih || (uint)i >= (uint)s.Iw)
                continue;
            var xi = ((n * s.Channels + oc / s.Multiplier) * s.Ih + h) * s.Iw + i;
            var wi = oc * s.KernelSize + kh * s.Kw + kw;
            var yi = ((n * s.OutChannels + oc) * s.Oh + oh) * s.Ow + ow;
            ey[yi] += (double)w[wi] * x[xi];
            egx[xi] += (double)w[wi] * gy[yi];
            egw[wi] += (double)gy[yi] * x[xi];
        }
        for (var i = 0; i < y.Length; i++)
            FusedTestData.Close(ey[i], y[i], 1e-5, $"y[{i}]");
        for (var i = 0; i < x.Length; i++)
            FusedTestData.Close(egx[i], gx[i], 1e-5, $"gx[{i}]");
        for (var i = 0; i < w.Length; i++)
            FusedTestData.Close(egw[i], gw[i], 1e-4, $"gw[{i}]");
    }

    [Fact]
    public void Results_DoNotDependOnThreadCount()
    {
        var g = new ConvGeometry([4, 14, 30], [3, 3, 3], [1, 2, 2], [1, 1, 1], [1, 1, 1], [1, 1, 1]);
        var s = new DepthwiseShape(3, 40, 1, g);
        var x = FusedTestData.Random(5, s.Batch * s.Channels * s.InSize);
        var w = FusedTestData.Random(6, s.OutChannels * s.KernelSize);
        var gy = FusedTestData.Random(7, s.Batch * s.OutChannels * s.OutSize);
        float[] Run(int threads, int which)
        {
            var result = new float[which switch { 0 => gy.Length, 1 => x.Length, _ => w.Length }];
            fixed (float* px = x, pw = w, pgy = gy, pr = result)
            {
                if (which == 0)
                    DepthwiseConv.Forward(Isa.Current, s, px, pw, null, pr, threads);
                else if (which == 1)
                    DepthwiseConv.BackwardInput(Isa.Current, s, pgy, pw, pr, threads);
                else
                    DepthwiseConv.BackwardWeight(Isa.Current, s, px, pgy, pr, threads);
            }
            return result;
        }
        for (var which = 0; which < 3; which++)
            AssertBitwise(Run(1, which), Run(0, which), $"output {which}");
    }

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                throw new Xunit.Sdk.XunitException($"{what}: element {i} expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
