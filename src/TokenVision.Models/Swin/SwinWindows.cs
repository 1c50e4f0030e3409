using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// The window bookkeeping of the Swin Transformer (Liu et al., "Swin Transformer: Hierarchical Vision Transformer
/// using Shifted Windows", 2021), shared by the timm and torchvision variants: window partition and its reverse,
/// the relative-position index, the shifted-window mask and the 2×2 patch-merging gather.
/// </summary>
public static class SwinWindows
{
    /// <summary>The value added to attention logits between tokens that came from different regions before the cyclic shift.</summary>
    public const float MaskedLogit = -100f;

    /// <summary>Splits [B, H, W, C] into non-overlapping windows [B·nW, wh·ww, C], windows in row-major order per image.</summary>
    /// <param name="x">[B, H, W, C] with H and W multiples of the window.</param>
    /// <param name="window">Window height and width.</param>
    public static Tensor Partition(Tensor x, (int H, int W) window)
    {
        var (b, h, w, c) = (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
        if (h % window.H != 0 || w % window.W != 0)
            throw new ArgumentException($"window partition: feature map {h}x{w} is not a multiple of the {window.H}x{window.W} window");
        using var grid = x.Reshape(b, h / window.H, window.H, w / window.W, window.W, c);
        using var perm = grid.Permute(0, 1, 3, 2, 4, 5);                  // [B, H/wh, W/ww, wh, ww, C]
        return perm.Reshape(-1, window.H * window.W, c);
    }

    /// <summary>Reassembles windows [B·nW, wh·ww, C] (or [B·nW, wh, ww, C]) into the [B, H, W, C] map they were cut from.</summary>
    /// <param name="windows">Windows in the order <see cref="Partition"/> produces.</param>
    /// <param name="window">Window height and width.</param>
    /// <param name="h">Height of the map (a multiple of the window height).</param>
    /// <param name="w">Width of the map (a multiple of the window width).</param>
    public static Tensor Reverse(Tensor windows, (int H, int W) window, int h, int w)
    {
        var c = windows.Shape[windows.Rank - 1];
        using var grid = windows.Reshape(-1, h / window.H, w / window.W, window.H, window.W, c);
        using var perm = grid.Permute(0, 1, 3, 2, 4, 5);                  // [B, H/wh, wh, W/ww, ww, C]
        return perm.Reshape(-1, h, w, c);
    }

    /// <summary>
    /// Index into the (2wh-1)(2ww-1) relative-position table for every (query, key) pair of a window, row-major
    /// over [wh·ww, wh·ww].
    /// </summary>
    /// <remarks>
    /// For tokens i = (yᵢ, xᵢ) and j = (yⱼ, xⱼ): index = (yᵢ - yⱼ + wh - 1)·(2ww - 1) + (xᵢ - xⱼ + ww - 1).
    /// </remarks>
    public static long[] RelativePositionIndex((int H, int W) window)
    {
        var n = window.H * window.W;
        var index = new long[n * n];
        for (var i = 0; i < n; i++)
        {
            var (yi, xi) = Math.DivRem(i, window.W);
            for (var j = 0; j < n; j++)
            {
                var (yj, xj) = Math.DivRem(j, window.W);
                index[i * n + j] = (long)(yi - yj + window.H - 1) * (2 * window.W - 1) + (xi - xj + window.W - 1);
            }
        }
        return index;
    }

    /// <summary>
    /// The additive mask of shifted-window attention for an [h, w] map that has been rolled by -shift: [nW, N, N]
    /// with 0 between tokens of the same pre-shift region and <see cref="MaskedLogit"/> otherwise.
    /// </summary>
    /// <remarks>
    /// Rows and columns are split into the three slices [0, -window), [-window, -shift), [-shift, end) with Python
    /// slice semantics (so a zero shift along a dimension makes its last slice the whole dimension), the 3×3
    /// combinations are numbered, and two tokens of a window may attend to each other only when their numbers agree.
    /// </remarks>
    /// <param name="h">Map height (a multiple of the window height).</param>
    /// <param name="w">Map width (a multiple of the window width).</param>
    /// <param name="window">Window height and width.</param>
    /// <param name="shift">Shift along height and width.</param>
    public static Tensor ShiftMask(int h, int w, (int H, int W) window, (int H, int W) shift)
    {
        var label = new float[h * w];
        var count = 0f;
        foreach (var (y0, y1) in Slices(h, window.H, shift.H))
        {
            foreach (var (x0, x1) in Slices(w, window.W, shift.W))
            {
                for (var y = y0; y < y1; y++)
                    for (var x = x0; x < x1; x++)
                        label[y * w + x] = count;
                count++;
            }
        }
        var n = window.H * window.W;
        var (rows, cols) = (h / window.H, w / window.W);
        var mask = new float[rows * cols * n * n];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var offset = (r * cols + c) * n * n;
                for (var i = 0; i < n; i++)
                {
                    var li = label[(r * window.H + i / window.W) * w + c * window.W + i % window.W];
                    for (var j = 0; j < n; j++)
                    {
                        var lj = label[(r * window.H + j / window.W) * w + c * window.W + j % window.W];
                        mask[offset + i * n + j] = lj - li != 0 ? MaskedLogit : 0f;
                    }
                }
            }
        }
        return Tensor.FromArray(mask, rows * cols, n, n);
    }

    /// <summary>The slices [0, -window), [-window, -shift), [-shift, None) of a length-<paramref name="n"/> axis as Python resolves them.</summary>
    private static IEnumerable<(int Start, int Stop)> Slices(int n, int window, int shift)
    {
        yield return Resolve(0, -window, n);
        yield return Resolve(-window, -shift, n);
        yield return Resolve(-shift, null, n);

        static (int, int) Resolve(int start, int? stop, int n)
        {
            var s = Math.Clamp(start < 0 ? start + n : start, 0, n);
            var e = stop is { } t ? Math.Clamp(t < 0 ? t + n : t, 0, n) : n;
            return (s, Math.Max(s, e));
        }
    }

    /// <summary>
    /// Gathers each 2×2 neighbourhood of [B, H, W, C] into [B, ⌈H/2⌉, ⌈W/2⌉, 4C] in the order
    /// x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]; odd sizes are zero-padded at the bottom/right first.
    /// </summary>
    public static Tensor Merge2x2(Tensor x)
    {
        var (b, h, w, c) = (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
        using var padded = h % 2 == 0 && w % 2 == 0 ? x.Identity() : x.Pad([0, 0, 0, w % 2, 0, h % 2]);
        var (h2, w2) = ((h + 1) / 2, (w + 1) / 2);
        using var grid = padded.Reshape(b, h2, 2, w2, 2, c);               // [B, H/2, dy, W/2, dx, C]
        using var perm = grid.Permute(0, 1, 3, 4, 2, 5);                    // [B, H/2, W/2, dx, dy, C]
        return perm.Reshape(b, h2, w2, 4 * c);                              // (dx, dy) = (0,0), (0,1), (1,0), (1,1)
    }
}
