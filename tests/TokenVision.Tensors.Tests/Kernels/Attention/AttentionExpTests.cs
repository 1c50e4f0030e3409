using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Attention;
using TokenVision.Tensors.Kernels.Simd;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>The exponential the attention softmax uses (the shared Fused.ExpOp behind a floor), at every width.</summary>
public sealed class AttentionExpTests
{
    private static IEnumerable<float> Inputs()
    {
        var rng = new Random(5);
        for (var i = 0; i < 20000; i++)
            yield return (float)(rng.NextDouble() * -87.0);
        for (var x = -1f; x <= 0f; x += 1f / 64)
            yield return x;
        yield return 0f;
        yield return -0f;
        yield return -86.9f;
        yield return ScalarOps.ExpFloor;
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
    [InlineData(-87.01f, 0f)]
    [InlineData(-88f, 0f)]
    [InlineData(0f, 1f)]
    [InlineData(float.NaN, float.NaN)]
    public void SpecialValues(float x, float expected)
    {
        foreach (var y in Evaluate(x))
            Assert.Equal(expected, y);
    }

    [Fact]
    public void Lanes_AreIndependent()
    {
        // Every lane position computes the same function as lane 0 of its width.
        var xs = new float[16];
        for (var i = 0; i < 16; i++)
            xs[i] = -3.5f - 0.37f * i * i;
        var v512 = Simd512Ops.Exp(Vector512.Create(xs));
        var v256 = Simd256Ops.Exp(Vector256.Create(xs.AsSpan(0, 8)));
        var v128 = Simd128Ops.Exp(Vector128.Create(xs.AsSpan(0, 4)));
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(Simd512Ops.Exp(Vector512.Create(xs[i]))[0], v512[i]);
            if (i < 8)
                Assert.Equal(Simd256Ops.Exp(Vector256.Create(xs[i]))[0], v256[i]);
            if (i < 4)
                Assert.Equal(Simd128Ops.Exp(Vector128.Create(xs[i]))[0], v128[i]);
        }
    }

    private static float[] Evaluate(float x) =>
    [
        ScalarOps.Exp(x),
        Simd128Ops.Exp(Vector128.Create(x))[1],
        Simd256Ops.Exp(Vector256.Create(x))[5],
        Simd512Ops.Exp(Vector512.Create(x))[11],
    ];
}
