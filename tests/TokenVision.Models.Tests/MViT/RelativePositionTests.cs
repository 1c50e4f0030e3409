using TokenVision.Models.MViT;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Models.Tests.MViT;

/// <summary>Decomposed relative positions against a naive per-pair computation, and the table resampling.</summary>
public class RelativePositionTests
{
    [Theory]
    [InlineData(4, 4)]
    [InlineData(2, 4)]
    [InlineData(4, 2)]
    [InlineData(1, 7)]
    [InlineData(56, 7)]
    public void Distance_IsTheOffsetOnTheFinerGrid(int q, int k)
    {
        // With integer size ratios: row(i, j) = i·rq − j·rk + (k − 1)·rk, rq = max(k/q, 1), rk = max(q/k, 1).
        var rq = Math.Max(k / q, 1);
        var rk = Math.Max(q / k, 1);
        foreach (var torchvision in new[] { false, true })
        {
            var rows = RelativePosition.Distance(q, k, torchvision);
            for (var i = 0; i < q; i++)
                for (var j = 0; j < k; j++)
                    Assert.Equal(i * rq - j * rk + (k - 1) * rk, rows[i * k + j]);
        }
    }

    [Theory]
    [InlineData(3, 5)]
    [InlineData(5, 3)]
    [InlineData(7, 4)]
    [InlineData(6, 8)]
    public void Distance_WithUnevenRatios_StaysInTheTableAndAgreesAcrossReferences(int q, int k)
    {
        var timm = RelativePosition.Distance(q, k);
        var torchvision = RelativePosition.Distance(q, k, torchvisionOrder: true);
        Assert.Equal(timm, torchvision);
        Assert.Equal(0, timm.Min());
        Assert.True(timm.Max() < RelativePosition.TableSize(q, k));
        // Later queries sit further along, later keys further back.
        for (var i = 1; i < q; i++)
            Assert.True(timm[i * k] >= timm[(i - 1) * k]);
        for (var j = 1; j < k; j++)
            Assert.True(timm[j] <= timm[j - 1]);
    }

    [Fact]
    public void Bias_2d_MatchesNaivePairwiseSum()
    {
        // Queries on 4x4, keys pooled to 2x2, no class token (timm's image case).
        CheckAgainstNaive(prefix: 0, qSize: [4, 4], kSize: [2, 2], seed: 3);
    }

    [Fact]
    public void Bias_3d_WithClassToken_MatchesNaivePairwiseSum()
    {
        // (t, h, w) queries 2x2x4 and keys 2x4x2: the query grid is coarser along h and finer along w.
        CheckAgainstNaive(prefix: 1, qSize: [2, 2, 4], kSize: [2, 4, 2], seed: 4);
    }

    private static void CheckAgainstNaive(int prefix, int[] qSize, int[] kSize, ulong seed)
    {
        const int b = 2, heads = 2, c = 3;
        var g = new Generator(seed);
        var nq = qSize.Aggregate(1, (a, s) => a * s);
        var nk = kSize.Aggregate(1, (a, s) => a * s);
        using var q = Tensor.Randn([b, heads, prefix + nq, c], g);
        var tables = qSize.Select((qs, a) => Tensor.Randn([RelativePosition.TableSize(qs, kSize[a]), c], g)).ToArray();
        using var bias = RelativePosition.Bias(q, prefix, qSize, kSize, tables, torchvisionOrder: qSize.Length == 3);
        Assert.Equal(new[] { b, heads, prefix + nq, prefix + nk }, bias.Shape.ToArray());

        var qa = q.ToArray();
        var ta = tables.Select(t => t.ToArray()).ToArray();
        var got = bias.ToArray();
        for (var bb = 0; bb < b; bb++)
        for (var h = 0; h < heads; h++)
        for (var i = 0; i < prefix + nq; i++)
        for (var j = 0; j < prefix + nk; j++)
        {
            var expected = 0.0;
            if (i >= prefix && j >= prefix)
            {
                var qi = Unravel(i - prefix, qSize);
                var kj = Unravel(j - prefix, kSize);
                for (var a = 0; a < qSize.Length; a++)
                {
                    // Offset on the finer of the two grids (integer ratios here), shifted to be non-negative.
                    var rq = Math.Max(kSize[a] / qSize[a], 1);
                    var rk = Math.Max(qSize[a] / kSize[a], 1);
                    var row = qi[a] * rq - kj[a] * rk + (kSize[a] - 1) * rk;
                    for (var ch = 0; ch < c; ch++)
                        expected += qa[((bb * heads + h) * (prefix + nq) + i) * c + ch] * ta[a][row * c + ch];
                }
            }
            var actual = got[((bb * heads + h) * (prefix + nq) + i) * (prefix + nk) + j];
            Assert.True(Math.Abs(actual - expected) < 1e-5, $"bias[{bb},{h},{i},{j}] = {actual}, naive {expected}");
        }
        foreach (var t in tables)
            t.Dispose();
    }

    private static int[] Unravel(int index, int[] size)
    {
        var result = new int[size.Length];
        for (var a = size.Length - 1; a >= 0; a--)
        {
            result[a] = index % size[a];
            index /= size[a];
        }
        return result;
    }

    [Theory]
    [InlineData(3, 7)]
    [InlineData(7, 13)]
    [InlineData(13, 7)]
    [InlineData(5, 5)]
    public void Interpolate_IsLinearWithHalfPixelCentres(int rows, int target)
    {
        const int c = 2;
        using var table = Tensor.Randn([rows, c], new Generator(9));
        using var resized = RelativePosition.Interpolate(table, target);
        Assert.Equal(new[] { target, c }, resized.Shape.ToArray());
        var src = table.ToArray();
        var got = resized.ToArray();
        var scale = (double)rows / target;
        for (var o = 0; o < target; o++)
        {
            // torch 'linear', align_corners=False: source = (o + 0.5)·in/out − 0.5, clamped at 0.
            var s = Math.Max((o + 0.5) * scale - 0.5, 0);
            var i0 = Math.Min((int)s, rows - 1);
            var i1 = Math.Min(i0 + 1, rows - 1);
            var l = s - i0;
            for (var ch = 0; ch < c; ch++)
            {
                var expected = (1 - l) * src[i0 * c + ch] + l * src[i1 * c + ch];
                Assert.True(Math.Abs(got[o * c + ch] - expected) < 1e-5, $"row {o}: {got[o * c + ch]} vs {expected}");
            }
        }
    }
}
