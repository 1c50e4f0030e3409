using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Fused;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Fused;

public sealed unsafe class SoftmaxTests
{
    public static TheoryData<IsaLevel> Levels => FusedTestData.Levels;

    [Theory]
    [MemberData(nameof(Levels))]
    public void SoftmaxAndLogSoftmax_EveryLength_MatchDouble(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var rows in FusedTestData.RowCounts)
        {
            foreach (var n in FusedTestData.Lengths)
            {
                var x = FusedTestData.Random(rows * 7 + n, rows * n, 20f);
                if (x.Length > 0)
                    x[0] = 80f; // exp(80) overflows float: the kernels must subtract the max
                var dy = FusedTestData.Random(n + 5, rows * n);
                var y = new float[rows * n];
                var logY = new float[rows * n];
                var dx = new float[rows * n];
                var logDx = new float[rows * n];
                fixed (float* px = x, pdy = dy, py = y, ply = logY, pdx = dx, pldx = logDx)
                {
                    Softmax.Forward(Isa.Current, px, py, rows, n);
                    Softmax.LogForward(Isa.Current, px, ply, rows, n);
                    Softmax.Backward(Isa.Current, py, pdy, pdx, rows, n);
                    Softmax.LogBackward(Isa.Current, ply, pdy, pldx, rows, n);
                }
                for (var r = 0; r < rows; r++)
                {
                    var o = r * n;
                    var max = double.NegativeInfinity;
                    for (var j = 0; j < n; j++)
                        max = Math.Max(max, x[o + j]);
                    double sum = 0;
                    for (var j = 0; j < n; j++)
                        sum += Math.Exp(x[o + j] - max);
                    var p = new double[n];
                    double dot = 0, sumDy = 0;
                    for (var j = 0; j < n; j++)
                    {
                        p[j] = Math.Exp(x[o + j] - max) / sum;
                        dot += p[j] * dy[o + j];
                        sumDy += dy[o + j];
                    }
                    for (var j = 0; j < n; j++)
                    {
                        FusedTestData.Close(p[j], y[o + j], 1e-6 * p[j] + 1e-9, $"softmax[{r},{j}] n={n}");
                        var logP = x[o + j] - max - Math.Log(sum);
                        FusedTestData.Close(logP, logY[o + j], 1e-6 * (Math.Abs(logP) + 1), $"log_softmax[{r},{j}]");
                        FusedTestData.Close(p[j] * (dy[o + j] - dot), dx[o + j], 2e-6 * p[j] * 4 + 1e-9, $"softmax'[{r},{j}]");
                        FusedTestData.Close(dy[o + j] - p[j] * sumDy, logDx[o + j], 2e-6 * (Math.Abs(sumDy) + 2), $"log_softmax'[{r},{j}]");
                    }
                }
            }
        }
    }

    [Fact]
    public void ManyRows_AreBitwiseIdentical_AcrossThreadCounts()
    {
        const int rows = 1182, n = 197;
        var x = FusedTestData.Random(9, rows * n, 10f);
        var one = new float[x.Length];
        var two = new float[x.Length];
        fixed (float* px = x, p1 = one, p2 = two)
        {
            Softmax.Forward(Isa.Current, px, p1, rows, n, threads: 1);
            Softmax.Forward(Isa.Current, px, p2, rows, n, threads: 2);
        }
        Assert.Equal(one, two);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Softmax_RowsWithNaNOrInfinities_FollowIeeeMaxSubtractedSoftmax(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var n in new[] { 5, 16, 37 })
        {
            // NaN anywhere, +inf anywhere, or a row of -inf: every entry NaN (as PyTorch). -inf entries among
            // finite ones: exactly 0, the rest normalised. -88 below the max: a normal-range result, not 0.
            foreach (var (special, at, expectNaNRow) in new[]
            {
                (float.NaN, n / 2, true), (float.PositiveInfinity, n - 1, true), (float.NegativeInfinity, 1, false),
                (float.NegativeInfinity, -1, true),
            })
            {
                var x = FusedTestData.Random(n, n);
                if (at < 0)
                    Array.Fill(x, special);
                else
                    x[at] = special;
                var y = new float[n];
                fixed (float* px = x, py = y)
                    Softmax.Forward(Isa.Current, px, py, 1, n);
                if (expectNaNRow)
                {
                    Assert.All(y, v => Assert.True(float.IsNaN(v), $"{level} n={n} {special} at {at}: {v}"));
                    continue;
                }
                Assert.Equal(0f, y[at]);
                var max = x.Where(float.IsFinite).Max();
                var sum = x.Where(float.IsFinite).Sum(v => Math.Exp(v - max));
                for (var j = 0; j < n; j++)
                {
                    if (j != at)
                        FusedTestData.Close(Math.Exp(x[j] - max) / sum, y[j], 1e-6, $"{level} n={n} y[{j}]");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Softmax_WideRange_SmallEntriesKeepRelativeAccuracy(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        const int n = 48;
        var x = new float[n];
        for (var j = 0; j < n; j++)
            x[j] = -j * (87f / n);
        var y = new float[n];
        fixed (float* px = x, py = y)
            Softmax.Forward(Isa.Current, px, py, 1, n);
        var sum = x.Sum(v => Math.Exp(v));
        for (var j = 0; j < n; j++)
        {
            var expected = Math.Exp(x[j]) / sum;
            Assert.True(Math.Abs(y[j] - expected) <= 3e-7 * expected, $"{level} y[{j}] = {y[j]:R}, expected {expected:R}");
        }
    }
}
