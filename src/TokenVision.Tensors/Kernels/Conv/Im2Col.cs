using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Conv;

/// <summary>
/// Unfolds convolution windows into columns and folds them back. For one sample and C channels:
/// col[(c, kd, kh, kw), (od, oh, ow)] = x[c, od*s - p + kd*dil, ...] (zero outside the input).
/// </summary>
internal static unsafe class Im2Col
{
    public static void Unfold(float* x, int channels, ConvGeometry g, float* col)
    {
        var (px, pc) = ((nint)x, (nint)col);
        WorkerPool.For(channels, Math.Max(1, 4096 / Math.Max(1, g.KernelSize * g.OutSize / 64)), (c0, c1) =>
        {
            for (var c = c0; c < c1; c++)
                UnfoldChannel((float*)px + (long)c * g.InSize, g, (float*)pc + (long)c * g.KernelSize * g.OutSize);
        });
    }

    private static void UnfoldChannel(float* x, ConvGeometry g, float* col)
    {
        var (id, ih, iw) = (g.In[0], g.In[1], g.In[2]);
        var (od, oh, ow) = (g.Out[0], g.Out[1], g.Out[2]);
        var row = 0L;
        for (var kd = 0; kd < g.Kernel[0]; kd++)
        for (var kh = 0; kh < g.Kernel[1]; kh++)
        for (var kw = 0; kw < g.Kernel[2]; kw++)
        {
            var dst = col + row * g.OutSize;
            row++;
            for (var zd = 0; zd < od; zd++)
            {
                var d = zd * g.Stride[0] - g.PadBefore[0] + kd * g.Dilation[0];
                for (var zh = 0; zh < oh; zh++)
                {
                    var h = zh * g.Stride[1] - g.PadBefore[1] + kh * g.Dilation[1];
                    var outRow = dst + ((long)zd * oh + zh) * ow;
                    if ((uint)d >= (uint)id || (uint)h >= (uint)ih)
                    {
                        new Span<float>(outRow, ow).Clear();
                        continue;
                    }
                    var src = x + ((long)d * ih + h) * iw;
                    var w0 = -g.PadBefore[2] + kw * g.Dilation[2];
                    var sw = g.Stride[2];
                    if (sw == 1 && w0 >= 0 && w0 + ow <= iw)
                    {
                        new ReadOnlySpan<float>(src + w0, ow).CopyTo(new Span<float>(outRow, ow));
                        continue;
                    }
                    for (var zw = 0; zw < ow; zw++)
                    {
                        var w = w0 + zw * sw;
                        outRow[zw] = (uint)w < (uint)iw ? src[w] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>Adds columns back onto the input grid (the adjoint of <see cref="Unfold"/>); <paramref name="x"/> is accumulated into.</summary>
    public static void Fold(float* col, int channels, ConvGeometry g, float* x)
    {
        var (px, pc) = ((nint)x, (nint)col);
        WorkerPool.For(channels, 1, (c0, c1) =>
        {
            for (var c = c0; c < c1; c++)
                FoldChannel((float*)pc + (long)c * g.KernelSize * g.OutSize, g, (float*)px + (long)c * g.InSize);
        });
    }

    private static void FoldChannel(float* col, ConvGeometry g, float* x)
    {
        var (id, ih, iw) = (g.In[0], g.In[1], g.In[2]);
        var (od, oh, ow) = (g.Out[0], g.Out[1], g.Out[2]);
        var row = 0L;
        for (var kd = 0; kd < g.Kernel[0]; kd++)
        for (var kh = 0; kh < g.Kernel[1]; kh++)
        for (var kw = 0; kw < g.Kernel[2]; kw++)
        {
            var src = col + row * g.OutSize;
            row++;
            for (var zd = 0; zd < od; zd++)
            {
                var d = zd * g.Stride[0] - g.PadBefore[0] + kd * g.Dilation[0];
                if ((uint)d >= (uint)id)
                    continue;
                for (var zh = 0; zh < oh; zh++)
                {
                    var h = zh * g.Stride[1] - g.PadBefore[1] + kh * g.Dilation[1];
                    if ((uint)h >= (uint)ih)
                        continue;
                    var inRow = src + ((long)zd * oh + zh) * ow;
                    var dst = x + ((long)d * ih + h) * iw;
                    var w0 = -g.PadBefore[2] + kw * g.Dilation[2];
                    for (var zw = 0; zw < ow; zw++)
                    {
                        var w = w0 + zw * g.Stride[2];
                        if ((uint)w < (uint)iw)
                            dst[w] += inRow[zw];
                    }
                }
            }
        }
    }
}
