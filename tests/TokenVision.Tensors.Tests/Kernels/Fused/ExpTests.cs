using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Fused;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Fused;

public sealed class ExpTests
{
    [Fact]
    public void VectorExp_WithinTwoUlps_OverTheNormalRange()
    {
        double worst = 0;
        for (var i = 0; i < 400_000; i++)
        {
            var x0 = -87f + i * (175f / 400_000);
            var v512 = ExpOp.Invoke(Vector512.Create(x0));
            var v256 = ExpOp.Invoke(Vector256.Create(x0));
            var v128 = ExpOp.Invoke(Vector128.Create(x0));
            var expected = Math.Exp(x0);
            worst = Math.Max(worst, Math.Abs(v512[0] - expected) / expected);
            worst = Math.Max(worst, Math.Abs(v256[0] - expected) / expected);
            worst = Math.Max(worst, Math.Abs(v128[0] - expected) / expected);
        }
        Assert.True(worst < 2.4e-7, $"max relative error {worst:E3}");
    }

    [Fact]
    public void VectorExp_SpecialValues()
    {
        var x = Vector512.Create([0f, -1000f, 1000f, float.NaN, float.NegativeInfinity, float.PositiveInfinity, 88.7f, -87.3f, 1f, -1f, 0.5f, 2f, 10f, -10f, 80f, -80f]);
        var y = ExpOp.Invoke(x);
        Assert.Equal(1f, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.Equal(float.PositiveInfinity, y[2]);
        Assert.True(float.IsNaN(y[3]));
        Assert.Equal(0f, y[4]);
        Assert.Equal(float.PositiveInfinity, y[5]);
        for (var i = 6; i < 16; i++)
            Assert.True(Math.Abs(y[i] - Math.Exp(x[i])) <= 2.4e-7 * Math.Exp(x[i]), $"exp({x[i]}) = {y[i]}");
    }
}
