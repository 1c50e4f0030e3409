using TokenVision.Models.Swin;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Models.Tests.Swin;

/// <summary>The window bookkeeping that is easy to get subtly wrong, checked against hand-built cases.</summary>
public class SwinWindowsTests
{
    private const float M = SwinWindows.MaskedLogit;

    [Fact]
    public void Partition_CutsRowMajorWindows_AndReverseRestoresTheMap()
    {
        var (b, h, w, c) = (2, 8, 12, 3);
        var window = (H: 4, W: 3);
        using var x = Tensor.Randn([b, h, w, c], new Generator(7));
        using var windows = SwinWindows.Partition(x, window);
        Assert.Equal(new[] { b * 2 * 4, 12, c }, windows.Shape.ToArray());
        var xs = x.ToArray();
        var ws = windows.ToArray();
        for (var n = 0; n < b; n++)
            for (var y = 0; y < h; y++)
                for (var xx = 0; xx < w; xx++)
                    for (var ch = 0; ch < c; ch++)
                    {
                        var win = n * 8 + y / window.H * 4 + xx / window.W;
                        var token = y % window.H * window.W + xx % window.W;
                        Assert.Equal(xs[((n * h + y) * w + xx) * c + ch], ws[(win * 12 + token) * c + ch]);
                    }
        using var back = SwinWindows.Reverse(windows, window, h, w);
        Assert.Equal(x.Shape.ToArray(), back.Shape.ToArray());
        Assert.Equal(xs, back.ToArray());
    }

    [Fact]
    public void RelativePositionIndex_2x2_MatchesHandBuiltTable()
    {
        // (dy + 1) * 3 + (dx + 1) for tokens (0,0), (0,1), (1,0), (1,1).
        long[] expected =
        [
            4, 3, 1, 0,
            5, 4, 2, 1,
            7, 6, 4, 3,
            8, 7, 5, 4,
        ];
        Assert.Equal(expected, SwinWindows.RelativePositionIndex((2, 2)));
    }

    [Fact]
    public void RelativePositionIndex_NonSquare_CoversTheTableSymmetrically()
    {
        var (wh, ww) = (2, 3);
        var index = SwinWindows.RelativePositionIndex((wh, ww));
        var n = wh * ww;
        var centre = (wh - 1) * (2 * ww - 1) + (ww - 1);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(centre, index[i * n + i]);
            for (var j = 0; j < n; j++)
                Assert.Equal(2 * centre, index[i * n + j] + index[j * n + i]);
        }
        Assert.Equal(14, index[(n - 1) * n]);      // token (1, 2) to (0, 0): (1 + 1) * 5 + (2 + 2)
        Assert.Equal(0, index[n - 1]);             // token (0, 0) to (1, 2)
        Assert.Equal(Enumerable.Range(0, (2 * wh - 1) * (2 * ww - 1)).Select(v => (long)v), index.Distinct().Order());
    }

    [Fact]
    public void ShiftMask_4x4_Window2_Shift1_SeparatesTheRolledRegions()
    {
        // Region labels after rolling by -1: rows/cols 0-1 | 2 | 3 → [[0,0,1,2],[0,0,1,2],[3,3,4,5],[6,6,7,8]].
        using var mask = SwinWindows.ShiftMask(4, 4, (2, 2), (1, 1));
        Assert.Equal(new[] { 4, 4, 4 }, mask.Shape.ToArray());
        float[] expected =
        [
            0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,          // labels 0 0 0 0
            0, M, 0, M,  M, 0, M, 0,  0, M, 0, M,  M, 0, M, 0,          // labels 1 2 1 2
            0, 0, M, M,  0, 0, M, M,  M, M, 0, 0,  M, M, 0, 0,          // labels 3 3 6 6
            0, M, M, M,  M, 0, M, M,  M, M, 0, M,  M, M, M, 0,          // labels 4 5 7 8
        ];
        Assert.Equal(expected, mask.ToArray());
    }

    [Fact]
    public void ShiftMask_ZeroShiftAlongWidth_MasksRowsOnly()
    {
        // With shift (1, 0) the width slices are [0, 2), [2, 0) = empty and [0, end), so labels depend on rows only.
        using var mask = SwinWindows.ShiftMask(4, 4, (2, 2), (1, 0));
        float[] rowsSplit = [0, 0, M, M, 0, 0, M, M, M, M, 0, 0, M, M, 0, 0];
        float[] zeros = new float[16];
        Assert.Equal([.. zeros, .. zeros, .. rowsSplit, .. rowsSplit], mask.ToArray());
    }

    [Fact]
    public void Merge2x2_ConcatenatesInTimmAndTorchvisionOrder()
    {
        // x[0, y, x, :] = [10y + x, -(10y + x)]; the 2x2 gather is x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2].
        var (h, w) = (4, 6);
        var data = new float[h * w * 2];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                data[(y * w + x) * 2] = 10 * y + x;
                data[(y * w + x) * 2 + 1] = -(10 * y + x);
            }
        using var t = Tensor.FromArray(data, 1, h, w, 2);
        using var merged = SwinWindows.Merge2x2(t);
        Assert.Equal(new[] { 1, 2, 3, 8 }, merged.Shape.ToArray());
        var m = merged.ToArray();
        for (var y = 0; y < 2; y++)
            for (var x = 0; x < 3; x++)
            {
                var at = (y * 3 + x) * 8;
                (int Dy, int Dx)[] order = [(0, 0), (1, 0), (0, 1), (1, 1)];
                for (var k = 0; k < 4; k++)
                {
                    var v = 10 * (2 * y + order[k].Dy) + 2 * x + order[k].Dx;
                    Assert.Equal(v, m[at + 2 * k]);
                    Assert.Equal(-v, m[at + 2 * k + 1]);
                }
            }
    }

    [Fact]
    public void Merge2x2_ZeroPadsOddSizes()
    {
        using var t = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], 1, 3, 3, 1);
        using var merged = SwinWindows.Merge2x2(t);
        Assert.Equal(new[] { 1, 2, 2, 4 }, merged.Shape.ToArray());
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f, 0f, 0f, 7f, 0f, 8f, 0f, 9f, 0f, 0f, 0f], merged.ToArray());
    }
}
