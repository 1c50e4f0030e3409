using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Attention;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

public sealed class ExpOpTests
{
    private static IEnumerable<float> Inputs()
    {
        var rng = new Random(5);
        for (var i = 0; i < 20000; i++)
            yield return (float)(rng.NextDouble() * 175.0 - 86.5);
        for (var x = -1f; x <= 1f; x += 1f / 64)
            yield return x;
        yield return 0f;
        yield return -0f;
        yield return -86.9f;
        yield return 88.7f;
    }

    [Fact]
    public void AllWidths_AreAccurate()
    {
        var worst = 0.0;
        foreach (var x in Inputs())
        {
            var expected = Math.Exp(x);
            foreach (var y in Evaluate(x))
                worst = Math.Max(worst, Math.Abs(y - expected) / expected);
        }
        // About two units in the last place.
        Assert.True(worst < 2.5e-7, $"worst relative error {worst:E2}");
    }

    [Theory]
    [InlineData(float.NegativeInfinity, 0f)]
    [InlineData(-1000f, 0f)]
    [InlineData(-87f, 0f)]
    [InlineData(-88f, 0f)]
    [InlineData(89f, float.PositiveInfinity)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(float.NaN, float.NaN)]
    public void SpecialValues(float x, float expected)
    {
        foreach (var y in Evaluate(x))
            Assert.Equal(expected, y);
    }

    [Fact]
    public void Lanes_AreIndependent()
    {
        // Every lane position computes the same function (a lane mix-up in the bit tricks would show here).
        var xs = new float[16];
        for (var i = 0; i < 16; i++)
            xs[i] = -3.5f + 0.37f * i;
        var v512 = ExpOp.Invoke(Vector512.Create(xs));
        var v256 = ExpOp.Invoke(Vector256.Create(xs.AsSpan(0, 8)));
        var v128 = ExpOp.Invoke(Vector128.Create(xs.AsSpan(0, 4)));
        for (var i = 0; i < 16; i++)
        {
            var s = ExpOp.Invoke(xs[i]);
            Assert.Equal(s, v512[i]);
            if (i < 8)
                Assert.Equal(s, v256[i]);
            if (i < 4)
                Assert.Equal(s, v128[i]);
        }
    }

    private static float[] Evaluate(float x) =>
    [
        ExpOp.Invoke(x),
        ExpOp.Invoke(Vector128.Create(x))[1],
        ExpOp.Invoke(Vector256.Create(x))[5],
        ExpOp.Invoke(Vector512.Create(x))[11],
    ];
}
