using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Fused;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Fused;

public sealed unsafe class ActivationTests
{
    public static TheoryData<IsaLevel> Levels => FusedTestData.Levels;

    [Theory]
    [MemberData(nameof(Levels))]
    public void ForwardAndBackward_EveryLength_MatchDouble(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var kind in new[] { ActivationKind.None, ActivationKind.Relu, ActivationKind.GeluErf, ActivationKind.GeluTanh })
        {
            foreach (var n in FusedTestData.Lengths)
            {
                var x = FusedTestData.Random(n, n, 6f);
                var dy = FusedTestData.Random(n + 1, n);
                var y = new float[n];
                var dx = new float[n];
                fixed (float* px = x, pdy = dy, py = y, pdx = dx)
                {
                    Activation.Forward(Isa.Current, kind, px, py, n);
                    Activation.Backward(Isa.Current, kind, px, pdy, pdx, n);
                }
                for (var i = 0; i < n; i++)
                {
                    FusedTestData.Close(Forward(kind, x[i]), y[i], 3e-7 * Math.Abs(x[i]) + 1e-7, $"{kind} f({x[i]})");
                    FusedTestData.Close(Grad(kind, x[i]) * dy[i], dx[i], 5e-7 * Math.Abs(dy[i]) * (1 + Math.Abs(x[i])), $"{kind} f'({x[i]})");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BiasActivation_ForwardBackward_MatchDouble(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var kind in new[] { ActivationKind.None, ActivationKind.Relu, ActivationKind.GeluErf, ActivationKind.GeluTanh })
        {
            foreach (var rows in FusedTestData.RowCounts)
            {
                foreach (var n in FusedTestData.Lengths)
                {
                    var x = FusedTestData.Random(rows * 100 + n, rows * n);
                    var bias = FusedTestData.Random(n + 7, n);
                    var dy = FusedTestData.Random(n + 9, rows * n);
                    var y = new float[rows * n];
                    var dx = new float[rows * n];
                    var dbias = FusedTestData.Random(3, n);
                    var dbias0 = (float[])dbias.Clone();
                    fixed (float* px = x, pb = bias, pdy = dy, py = y, pdx = dx, pdb = dbias)
                    {
                        Activation.BiasForward(Isa.Current, kind, px, pb, py, rows, n);
                        Activation.BiasBackward(Isa.Current, kind, px, pb, pdy, pdx, pdb, rows, n, accumulate: true);
                    }
                    for (var j = 0; j < n; j++)
                    {
                        double sum = dbias0[j];
                        for (var r = 0; r < rows; r++)
                        {
                            var i = r * n + j;
                            double pre = x[i] + bias[j];
                            FusedTestData.Close(Forward(kind, pre), y[i], 4e-7 * (Math.Abs(pre) + 1), $"{kind} y[{r},{j}]");
                            var g = Grad(kind, pre) * dy[i];
                            FusedTestData.Close(g, dx[i], 6e-7 * Math.Abs(dy[i]) * (1 + Math.Abs(pre)), $"{kind} dx[{r},{j}]");
                            sum += g;
                        }
                        FusedTestData.Close(sum, dbias[j], 2e-6 * (rows + 1) * 4, $"{kind} dbias[{j}]");
                    }
                }
            }
        }
    }

    [Fact]
    public void LargeInputs_AreBitwiseIdentical_AcrossThreadCounts()
    {
        var n = 1 << 17;
        var x = FusedTestData.Random(5, n + 13, 5f);
        var one = new float[x.Length];
        var two = new float[x.Length];
        fixed (float* px = x, p1 = one, p2 = two)
        {
            Activation.Forward(Isa.Current, ActivationKind.GeluErf, px, p1, x.Length, threads: 1);
            Activation.Forward(Isa.Current, ActivationKind.GeluErf, px, p2, x.Length, threads: 2);
        }
        Assert.Equal(one, two);
    }

    private static double Forward(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.Relu => Math.Max(x, 0),
        ActivationKind.GeluErf => DoubleMath.GeluErf(x),
        ActivationKind.GeluTanh => DoubleMath.GeluTanh(x),
        _ => x,
    };

    private static double Grad(ActivationKind kind, double x) => kind switch
    {
        ActivationKind.Relu => x > 0 ? 1 : 0,
        ActivationKind.GeluErf => DoubleMath.GeluErfGrad(x),
        ActivationKind.GeluTanh => DoubleMath.GeluTanhGrad(x),
        _ => 1,
    };
}
