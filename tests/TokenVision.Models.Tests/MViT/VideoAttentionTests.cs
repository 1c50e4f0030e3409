using TokenVision.Models.MViT;
using TokenVision.Models.TorchvisionMViT;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Models.Tests.MViT;

/// <summary>
/// torchvision-style attention run on a larger grid than its tables were made for, so queries and keys differ in size
/// and every spatial table is resampled, against a naive per-pair computation.
/// </summary>
public class VideoAttentionTests
{
    [Fact]
    public void Attention_OnALargerGrid_ResamplesTablesAndMatchesNaiveComputation()
    {
        const int heads = 2, dim = 8, hd = dim / heads;
        // Keys/values subsampled 2x in h and w by a 1x1x1 depthwise conv; queries unpooled.
        var cnf = new MSBlockConfig { NumHeads = heads, InputChannels = dim, OutputChannels = dim, KernelQ = [], KernelKv = [1, 1, 1], StrideQ = [], StrideKv = [1, 2, 2] };
        var g = new Generator(11);
        // Tables sized for a 2x2x2 grid (3 rows each); run on 2x4x4, where h and w need 2·4 − 1 = 7 rows.
        var attn = new MultiscaleAttention([2, 2, 2], dim, dim, cnf, residualPool: true, residualWithClsEmbed: false, relPosEmbed: true, 0f, g);
        using (Grad.Disabled())
        {
            foreach (var p in attn.Parameters())
            {
                using var r = Tensor.Randn(p.Shape.ToArray(), g);
                p.Copy_(r);
            }
        }
        Assert.Equal(3, attn.RelPosH!.Shape[0]);
        int[] qThw = [2, 4, 4];
        int[] kThw = [2, 2, 2];
        var nq = 1 + 32;
        var nk = 1 + 8;
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, nq, dim], g);
        var thw = qThw;
        using var y = attn.Forward(x, ref thw);
        Assert.Equal(qThw, thw);

        // Naive reference.
        using var qkvT = attn.Qkv.Forward(x);
        var qkv = qkvT.ToArray();
        double Qkv(int s, int n, int h, int d) => qkv[n * 3 * dim + s * dim + h * hd + d];
        var convK = attn.PoolK!.PoolOp.Parameters().First().ToArray();
        var convV = attn.PoolV!.PoolOp.Parameters().First().ToArray();
        var normK = attn.PoolK.NormAct!.Parameters().Select(p => p.ToArray()).ToArray();
        var normV = attn.PoolV.NormAct!.Parameters().Select(p => p.ToArray()).ToArray();
        var rh = Resample(attn.RelPosH.ToArray(), 3, 7, hd);
        var rw = Resample(attn.RelPosW!.ToArray(), 3, 7, hd);
        var rt = attn.RelPosT!.ToArray();
        var merged = new float[nq * dim];
        for (var h = 0; h < heads; h++)
        {
            var q = new double[nq][];
            for (var n = 0; n < nq; n++)
                q[n] = [.. Enumerable.Range(0, hd).Select(d => Qkv(0, n, h, d))];
            var k = PoolKv(1, h, convK, normK);
            var v = PoolKv(2, h, convV, normV);
            for (var i = 0; i < nq; i++)
            {
                var scores = new double[nk];
                for (var j = 0; j < nk; j++)
                {
                    var s = Dot(q[i], k[j]) / Math.Sqrt(hd);
                    if (i > 0 && j > 0)
                    {
                        var (qt, qy, qx) = ((i - 1) / 16, (i - 1) / 4 % 4, (i - 1) % 4);
                        var (kt, ky, kx) = ((j - 1) / 4, (j - 1) / 2 % 2, (j - 1) % 2);
                        // t: equal sizes, row qt − kt + 1; h, w: keys on a 2x coarser grid, row q − 2k + 2.
                        s += Dot(q[i], Row(rt, qt - kt + 1, hd)) + Dot(q[i], Row(rh, qy - 2 * ky + 2, hd)) + Dot(q[i], Row(rw, qx - 2 * kx + 2, hd));
                    }
                    scores[j] = s;
                }
                var max = scores.Max();
                var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = e.Sum();
                for (var d = 0; d < hd; d++)
                {
                    var o = 0.0;
                    for (var j = 0; j < nk; j++)
                        o += e[j] / sum * v[j][d];
                    if (i > 0)
                        o += q[i][d];   // residual pooling, class token excluded
                    merged[i * dim + h * hd + d] = (float)o;
                }
            }
        }
        using var mergedT = Tensor.FromArray(merged, 1, nq, dim);
        using var expected = attn.Project.Forward(mergedT);
        var want = expected.ToArray();
        var got = y.ToArray();
        for (var i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) < 1e-4 * (1 + Math.Abs(want[i])), $"element {i}: {got[i]} vs naive {want[i]}");

        // Keys or values of one head: class token kept, grid subsampled 2x in h and w and scaled per channel, then LayerNorm.
        double[][] PoolKv(int s, int h, float[] conv, float[][] norm)
        {
            var rows = new double[nk][];
            for (var j = 0; j < nk; j++)
            {
                int n;
                if (j == 0)
                {
                    n = 0;
                }
                else
                {
                    var (t, yy, xx) = ((j - 1) / 4, (j - 1) / 2 % 2, (j - 1) % 2);
                    n = 1 + t * 16 + 2 * yy * 4 + 2 * xx;
                }
                var raw = Enumerable.Range(0, hd).Select(d => Qkv(s, n, h, d) * (j == 0 ? 1 : conv[d])).ToArray();
                var mean = raw.Average();
                var variance = raw.Select(r => (r - mean) * (r - mean)).Average();
                rows[j] = [.. raw.Select((r, d) => (r - mean) / Math.Sqrt(variance + 1e-6) * norm[0][d] + norm[1][d])];
            }
            return rows;
        }
    }

    private static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();

    private static double[] Row(double[] table, int row, int c) => table[(row * c)..((row + 1) * c)];

    private static double[] Row(float[] table, int row, int c) => [.. table[(row * c)..((row + 1) * c)].Select(v => (double)v)];

    /// <summary>torch linear interpolation along the rows of a [rows, c] table, align_corners=False.</summary>
    private static double[] Resample(float[] table, int rows, int target, int c)
    {
        var result = new double[target * c];
        for (var o = 0; o < target; o++)
        {
            var s = Math.Max((o + 0.5) * rows / target - 0.5, 0);
            var i0 = Math.Min((int)s, rows - 1);
            var i1 = Math.Min(i0 + 1, rows - 1);
            var l = s - i0;
            for (var ch = 0; ch < c; ch++)
                result[o * c + ch] = (1 - l) * table[i0 * c + ch] + l * table[i1 * c + ch];
        }
        return result;
    }
}
