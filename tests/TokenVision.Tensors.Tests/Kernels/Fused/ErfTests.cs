using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Fused;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Fused;

public sealed class ErfTests
{
    // 1e-7 relative is about 1 ulp of float; the kernel measures below 1.2e-7 in this sweep.
    private const double MaxRelativeError = 1.2e-7;

    [Fact]
    public void DoubleReference_MatchesKnownValues()
    {
        Assert.Equal(0.8427007929497149, DoubleMath.Erf(1), 1e-13);
        Assert.Equal(0.9953222650189527, DoubleMath.Erf(2), 1e-13);
        Assert.Equal(-0.5204998778130465, DoubleMath.Erf(-0.5), 1e-13);
        Assert.Equal(0.9999999845827421, DoubleMath.Erf(4), 1e-13);
    }

    [Fact]
    public void Erf_ScalarAndEveryVectorWidth_WithinOneUlp()
    {
        var xs = Sweep();
        double worstScalar = 0, worst128 = 0, worst256 = 0, worst512 = 0;
        var buffer = new float[16];
        for (var i = 0; i + 16 <= xs.Length; i += 16)
        {
            var v512 = ErfOp.Invoke(Vector512.Create(xs, i));
            var v256 = ErfOp.Invoke(Vector256.Create(xs, i));
            var v128 = ErfOp.Invoke(Vector128.Create(xs, i));
            for (var l = 0; l < 16; l++)
            {
                var x = xs[i + l];
                var expected = DoubleMath.Erf(x);
                worstScalar = Math.Max(worstScalar, Rel(expected, ErfOp.Invoke(x)));
                worst512 = Math.Max(worst512, Rel(expected, v512[l]));
                if (l < 8)
                    worst256 = Math.Max(worst256, Rel(expected, v256[l]));
                if (l < 4)
                    worst128 = Math.Max(worst128, Rel(expected, v128[l]));
            }
        }
        Assert.True(worstScalar <= MaxRelativeError, $"scalar {worstScalar:E3}");
        Assert.True(worst128 <= MaxRelativeError, $"128 {worst128:E3}");
        Assert.True(worst256 <= MaxRelativeError, $"256 {worst256:E3}");
        Assert.True(worst512 <= MaxRelativeError, $"512 {worst512:E3}");
        Console.WriteLine($"erf max relative error: scalar {worstScalar:E3}, 128 {worst128:E3}, 256 {worst256:E3}, 512 {worst512:E3}");
    }

    [Fact]
    public void Erf_SpecialValues()
    {
        Assert.Equal(0f, ErfOp.Invoke(0f));
        Assert.Equal(1f, ErfOp.Invoke(10f));
        Assert.Equal(-1f, ErfOp.Invoke(float.NegativeInfinity));
        Assert.Equal(1f, ErfOp.Invoke(float.PositiveInfinity));
        Assert.True(float.IsNaN(ErfOp.Invoke(float.NaN)));
        Assert.True(float.IsNaN(ErfOp.Invoke(Vector512.Create(float.NaN))[0]));
        Assert.Equal(1f, ErfOp.Invoke(Vector512.Create(float.PositiveInfinity))[3]);
        Assert.True(Math.Abs(ErfOp.Invoke(1e-30f) / 1.1283791670955126e-30 - 1) < 1.2e-7);
    }

    // Uniform steps over [-5, 5] plus a geometric sweep of small magnitudes (where relative error is hardest).
    private static float[] Sweep()
    {
        var list = new List<float>();
        for (var i = -400_000; i < 400_000; i++)
            list.Add(i * (5f / 400_000));
        for (var x = 1e-12; x < 5; x *= 1.00003)
        {
            list.Add((float)x);
            list.Add((float)-x);
        }
        while (list.Count % 16 != 0)
            list.Add(0.5f);
        return list.ToArray();
    }

    private static double Rel(double expected, float actual) =>
        expected == 0 ? Math.Abs(actual) : Math.Abs(actual - expected) / Math.Abs(expected);
}
