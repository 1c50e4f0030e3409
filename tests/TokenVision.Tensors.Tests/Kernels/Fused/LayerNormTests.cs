using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Fused;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Fused;

public sealed unsafe class LayerNormTests
{
    public static TheoryData<IsaLevel> Levels => FusedTestData.Levels;

    [Theory]
    [MemberData(nameof(Levels))]
    public void ForwardAndBackward_EveryLength_MatchDouble(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var affine in new[] { true, false })
        {
            foreach (var rows in FusedTestData.RowCounts)
            {
                foreach (var n in FusedTestData.Lengths)
                    Check(rows, n, affine);
            }
        }
    }

    [Fact]
    public void ParameterGradients_AreBitwiseIdentical_AcrossThreadCounts()
    {
        const int rows = 1576, n = 96;
        var (dg1, db1, dx1) = RunBackward(rows, n, 1);
        var (dg2, db2, dx2) = RunBackward(rows, n, 2);
        Assert.Equal(dg1, dg2);
        Assert.Equal(db1, db2);
        Assert.Equal(dx1, dx2);
    }

    private static (float[], float[], float[]) RunBackward(int rows, int n, int threads)
    {
        var x = FusedTestData.Random(1, rows * n);
        var gamma = FusedTestData.Random(2, n);
        var dy = FusedTestData.Random(3, rows * n);
        var y = new float[rows * n];
        var mean = new float[rows];
        var rstd = new float[rows];
        var dx = new float[rows * n];
        var dgamma = new float[n];
        var dbeta = new float[n];
        fixed (float* px = x, pg = gamma, pdy = dy, py = y, pm = mean, pr = rstd, pdx = dx, pdg = dgamma, pdb = dbeta)
        {
            LayerNorm.Forward(Isa.Current, px, pg, null, py, pm, pr, rows, n, 1e-6f, threads);
            LayerNorm.Backward(Isa.Current, px, pg, pm, pr, pdy, pdx, pdg, pdb, rows, n, accumulate: false, threads);
        }
        return (dgamma, dbeta, dx);
    }

    private static void Check(int rows, int n, bool affine)
    {
        const float eps = 1e-5f;
        var x = FusedTestData.Random(rows * 31 + n, rows * n);
        for (var i = 0; i < x.Length; i++)
            x[i] += 2f; // an offset the two-pass variance must handle
        var gamma = affine ? FusedTestData.Random(n + 1, n) : null;
        var beta = affine ? FusedTestData.Random(n + 2, n) : null;
        var dy = FusedTestData.Random(n + 3, rows * n);
        var y = new float[rows * n];
        var mean = new float[rows];
        var rstd = new float[rows];
        var dx = new float[rows * n];
        var dgamma = new float[n];
        var dbeta = new float[n];
        fixed (float* px = x, pg = gamma, pb = beta, pdy = dy, py = y, pm = mean, pr = rstd, pdx = dx, pdg = dgamma, pdb = dbeta)
        {
            LayerNorm.Forward(Isa.Current, px, pg, pb, py, pm, pr, rows, n, eps);
            LayerNorm.Backward(Isa.Current, px, pg, pm, pr, pdy, pdx, pdg, pdb, rows, n, accumulate: false);
        }
        var dgExpected = new double[n];
        var dbExpected = new double[n];
        for (var r = 0; r < rows; r++)
        {
            double mu = 0, v = 0;
            for (var j = 0; j < n; j++)
                mu += x[r * n + j];
            mu = n > 0 ? mu / n : 0;
            for (var j = 0; j < n; j++)
                v += (x[r * n + j] - mu) * (x[r * n + j] - mu);
            v = n > 0 ? v / n : 0;
            var rs = 1 / Math.Sqrt(v + eps);
            FusedTestData.Close(mu, mean[r], 1e-6 * 4, "mean");
            FusedTestData.Close(rs, rstd[r], 1e-6 * rs, "rstd");
            double sg = 0, sgx = 0;
            for (var j = 0; j < n; j++)
            {
                var xhat = (x[r * n + j] - mu) * rs;
                var g = (gamma?[j] ?? 1.0) * dy[r * n + j];
                sg += g;
                sgx += g * xhat;
                FusedTestData.Close(xhat * (gamma?[j] ?? 1.0) + (beta?[j] ?? 0.0), y[r * n + j], 2e-6 * (Math.Abs(xhat) + 1) * 3, $"y[{r},{j}] n={n}");
                dgExpected[j] += dy[r * n + j] * xhat;
                dbExpected[j] += dy[r * n + j];
            }
            for (var j = 0; j < n; j++)
            {
                var xhat = (x[r * n + j] - mu) * rs;
                var g = (gamma?[j] ?? 1.0) * dy[r * n + j];
                var expected = rs * (g - sg / n - xhat * sgx / n);
                FusedTestData.Close(expected, dx[r * n + j], 4e-6 * rs * 10, $"dx[{r},{j}] n={n}");
            }
        }
        for (var j = 0; j < n; j++)
        {
            FusedTestData.Close(dgExpected[j], dgamma[j], 4e-6 * rows * 10, $"dgamma[{j}]");
            FusedTestData.Close(dbExpected[j], dbeta[j], 2e-6 * rows * 4, $"dbeta[{j}]");
        }
    }
}
