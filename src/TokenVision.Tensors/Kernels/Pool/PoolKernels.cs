using TokenVision.Tensors.Kernels.Conv;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Pool;

/// <summary>
/// Max and average pooling over 1 to 3 spatial dimensions (as 3-D with size-1 dims), fixed windows or adaptive
/// windows, forward and backward. Planes (sample, channel) are split across the worker pool.
/// </summary>
internal static unsafe class PoolKernels
{
    /// <summary>Window [start, end) of output index <paramref name="o"/> along one dimension, clipped to the input.</summary>
    private static (int Start, int End) Window(ConvGeometry? g, int dim, int o, int inSize, int outSize, bool adaptive)
    {
        if (adaptive)
            return ((int)((long)o * inSize / outSize), (int)(((long)(o + 1) * inSize + outSize - 1) / outSize));
        var s = o * g!.Stride[dim] - g.PadBefore[dim];
        return (s, s + (g.Kernel[dim] - 1) * g.Dilation[dim] + 1);
    }

    public static void MaxForward(float* x, float* y, long* indices, int planes, int[] inDims, int[] outDims, ConvGeometry? g)
    {
        var inSize = inDims[0] * inDims[1] * inDims[2];
        var outSize = outDims[0] * outDims[1] * outDims[2];
        var adaptive = g is null;
        var (px, py, pi) = ((nint)x, (nint)y, (nint)indices);
        WorkerPool.For(planes, Math.Max(1, 8192 / Math.Max(1, outSize)), (p0, p1) =>
        {
            for (var p = p0; p < p1; p++)
            {
                var xs = (float*)px + (long)p * inSize;
                var ys = (float*)py + (long)p * outSize;
                var ids = (long*)pi + (long)p * outSize;
                var o = 0;
                for (var od = 0; od < outDims[0]; od++)
                for (var oh = 0; oh < outDims[1]; oh++)
                for (var ow = 0; ow < outDims[2]; ow++, o++)
                {
                    var (d0, d1) = Window(g, 0, od, inDims[0], outDims[0], adaptive);
                    var (h0, h1) = Window(g, 1, oh, inDims[1], outDims[1], adaptive);
                    var (w0, w1) = Window(g, 2, ow, inDims[2], outDims[2], adaptive);
                    var dd = adaptive ? 1 : g!.Dilation[0];
                    var dh = adaptive ? 1 : g!.Dilation[1];
                    var dw = adaptive ? 1 : g!.Dilation[2];
                    var best = float.NegativeInfinity;
                    long bestIdx = -1;
                    for (var d = d0; d < d1; d += dd)
                    {
                        if ((uint)d >= (uint)inDims[0])
                            continue;
                        for (var h = h0; h < h1; h += dh)
                        {
                            if ((uint)h >= (uint)inDims[1])
                                continue;
                            for (var w = w0; w < w1; w += dw)
                            {
                                if ((uint)w >= (uint)inDims[2])
                                    continue;
                                var idx = ((long)d * inDims[1] + h) * inDims[2] + w;
                                var v = xs[idx];
                                if (v > best || float.IsNaN(v) || bestIdx < 0)
                                {
                                    best = v;
                                    bestIdx = idx;
                                    if (float.IsNaN(v))
                                        goto done;
                                }
                            }
                        }
                    }
                done:
                    ys[o] = best;
                    ids[o] = bestIdx;
                }
            }
        });
    }

    public static void MaxBackward(float* gy, long* indices, float* gx, int planes, int inSize, int outSize)
    {
        var (pg, pi, px) = ((nint)gy, (nint)indices, (nint)gx);
        WorkerPool.For(planes, 1, (p0, p1) =>
        {
            for (var p = p0; p < p1; p++)
            {
                var gys = (float*)pg + (long)p * outSize;
                var ids = (long*)pi + (long)p * outSize;
                var gxs = (float*)px + (long)p * inSize;
                for (var o = 0; o < outSize; o++)
                    if (ids[o] >= 0)
                        gxs[ids[o]] += gys[o];
            }
        });
    }

    /// <summary>Average pooling; <paramref name="backward"/> distributes gy over the windows instead.</summary>
    public static void Avg(float* x, float* y, int planes, int[] inDims, int[] outDims, ConvGeometry? g, bool countIncludePad,
        int? divisorOverride, bool backward)
    {
        var inSize = inDims[0] * inDims[1] * inDims[2];
        var outSize = outDims[0] * outDims[1] * outDims[2];
        var adaptive = g is null;
        var (px, py) = ((nint)x, (nint)y);
        WorkerPool.For(planes, Math.Max(1, 8192 / Math.Max(1, outSize)), (p0, p1) =>
        {
            for (var p = p0; p < p1; p++)
            {
                var xs = (float*)px + (long)p * inSize;
                var ys = (float*)py + (long)p * outSize;
                var o = 0;
                for (var od = 0; od < outDims[0]; od++)
                for (var oh = 0; oh < outDims[1]; oh++)
                for (var ow = 0; ow < outDims[2]; ow++, o++)
                {
                    var (d0, d1) = Window(g, 0, od, inDims[0], outDims[0], adaptive);
                    var (h0, h1) = Window(g, 1, oh, inDims[1], outDims[1], adaptive);
                    var (w0, w1) = Window(g, 2, ow, inDims[2], outDims[2], adaptive);
                    int divisor;
                    if (adaptive)
                    {
                        divisor = (d1 - d0) * (h1 - h0) * (w1 - w0);
                    }
                    else
                    {
                        // PyTorch: the padded window is clipped to input + padding for count_include_pad.
                        var pd = Math.Min(d1, inDims[0] + g!.PadAfter[0]) - d0;
                        var ph = Math.Min(h1, inDims[1] + g.PadAfter[1]) - h0;
                        var pw = Math.Min(w1, inDims[2] + g.PadAfter[2]) - w0;
                        d0 = Math.Max(d0, 0);
                        h0 = Math.Max(h0, 0);
                        w0 = Math.Max(w0, 0);
                        d1 = Math.Min(d1, inDims[0]);
                        h1 = Math.Min(h1, inDims[1]);
                        w1 = Math.Min(w1, inDims[2]);
                        divisor = divisorOverride ?? (countIncludePad ? pd * ph * pw : (d1 - d0) * (h1 - h0) * (w1 - w0));
                    }
                    if (backward)
                    {
                        var share = divisor == 0 ? 0f : ys[o] / divisor;
                        for (var d = d0; d < d1; d++)
                            for (var h = h0; h < h1; h++)
                                for (var w = w0; w < w1; w++)
                                    xs[((long)d * inDims[1] + h) * inDims[2] + w] += share;
                    }
                    else
                    {
                        var sum = 0f;
                        for (var d = d0; d < d1; d++)
                            for (var h = h0; h < h1; h++)
                                for (var w = w0; w < w1; w++)
                                    sum += xs[((long)d * inDims[1] + h) * inDims[2] + w];
                        ys[o] = divisor == 0 ? float.NaN : sum / divisor;
                    }
                }
            }
        });
    }
}
