using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Produces full-resolution rows of one component from its (possibly downsampled) plane, choosing the method
/// libjpeg-turbo's upsampler would: none, fancy h2v1, fancy h1v2, fancy h2v2, or integral replication.
/// Rows beyond the downsampled height repeat the last one and the row above the first is the first, as in
/// libjpeg's context-row handling.
/// </summary>
internal sealed class JpegUpsampler
{
    private enum Method
    {
        Full,
        Fancy2x1,
        Fancy1x2,
        Fancy2x2,
        Replicate,
    }

    private readonly JpegComponent _component;
    private readonly Method _method;
    private readonly int _hExpand;
    private readonly int _vExpand;
    private readonly byte[] _row;
    private readonly short[] _padded;   // one input row (or column sums) with the edge samples repeated on both sides
    private int _cachedSourceRow = -1;

    /// <summary>Prepares upsampling of <paramref name="component"/> to the frame's maximum sampling factors.</summary>
    public JpegUpsampler(JpegComponent component, int maxH, int maxV)
    {
        _component = component;
        _hExpand = maxH / component.H;
        _vExpand = maxV / component.V;
        var wide = component.DownsampledWidth > 2;
        _method = (_hExpand, _vExpand) switch
        {
            (1, 1) => Method.Full,
            (2, 1) when wide => Method.Fancy2x1,
            (1, 2) => Method.Fancy1x2,
            (2, 2) when wide => Method.Fancy2x2,
            _ => Method.Replicate,
        };
        _row = _method == Method.Full ? [] : new byte[component.DownsampledWidth * _hExpand];
        _padded = _method is Method.Fancy2x1 or Method.Fancy2x2 ? new short[component.DownsampledWidth + 2] : [];
    }

    /// <summary>Returns output row <paramref name="y"/> (at least as wide as the image).</summary>
    public ReadOnlySpan<byte> Row(int y)
    {
        var c = _component;
        var plane = c.Plane;
        var stride = c.Stride;
        var width = c.DownsampledWidth;
        switch (_method)
        {
            case Method.Full:
                return plane.AsSpan(y * stride, width);

            case Method.Replicate:
            {
                var sy = y / _vExpand;
                if (_hExpand == 1)
                    return plane.AsSpan(sy * stride, width);
                if (sy != _cachedSourceRow)
                {
                    var src = plane.AsSpan(sy * stride, width);
                    var dst = _row.AsSpan();
                    var e = _hExpand;
                    for (var x = 0; x < src.Length; x++)
                        dst.Slice(x * e, e).Fill(src[x]);
                    _cachedSourceRow = sy;
                }
                return _row;
            }

            case Method.Fancy2x1:
            {
                var src = plane.AsSpan(y * stride, width);
                var padded = _padded.AsSpan();
                for (var x = 0; x < width; x++)
                    padded[x + 1] = src[x];
                padded[0] = padded[1];
                padded[width + 1] = padded[width];
                // Each output sample is 3/4 of the nearer input plus 1/4 of the further one, with libjpeg's
                // alternating rounding bias (+1, +2); at the edges the outermost sample is its own neighbour.
                Expand(padded, width, 1, 2, 2, _row);
                return _row;
            }

            case Method.Fancy1x2:
            {
                var sy = y >> 1;
                var near = plane.AsSpan(sy * stride, width);
                var above = (y & 1) == 0;
                var far = above
                    ? plane.AsSpan(Math.Max(sy - 1, 0) * stride, width)
                    : plane.AsSpan(Math.Min(sy + 1, c.DownsampledHeight - 1) * stride, width);
                var bias = above ? 1 : 2;
                var dst = _row.AsSpan();
                for (var x = 0; x < width; x++)
                    dst[x] = (byte)((near[x] * 3 + far[x] + bias) >> 2);
                return _row;
            }

            default:
            {
                var sy = y >> 1;
                var near = plane.AsSpan(sy * stride, width);
                var far = (y & 1) == 0
                    ? plane.AsSpan(Math.Max(sy - 1, 0) * stride, width)
                    : plane.AsSpan(Math.Min(sy + 1, c.DownsampledHeight - 1) * stride, width);
                // Vertical 3:1 sums first, then the horizontal 3:1 step on the sums (9/16, 3/16, 3/16, 1/16
                // overall) with libjpeg's rounding bias (+8, +7).
                var padded = _padded.AsSpan();
                ColumnSums(near, far, padded.Slice(1, width));
                padded[0] = padded[1];
                padded[width + 1] = padded[width];
                Expand(padded, width, 8, 7, 4, _row);
                return _row;
            }
        }
    }

    /// <summary>sums[x] = 3 * near[x] + far[x].</summary>
    private static void ColumnSums(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, Span<short> sums)
    {
        var n = sums.Length;
        near = near[..n];
        far = far[..n];
        var x = 0;
        if (Avx2.IsSupported)
        {
            for (; x + 16 <= n; x += 16)
            {
                var a = Avx2.ConvertToVector256Int16(Vector128.Create(near.Slice(x, 16)));
                var b = Avx2.ConvertToVector256Int16(Vector128.Create(far.Slice(x, 16)));
                (a * 3 + b).CopyTo(sums.Slice(x, 16));
            }
        }
        for (; x < n; x++)
            sums[x] = (short)(near[x] * 3 + far[x]);
    }

    /// <summary>
    /// Doubles a row horizontally: with c = padded[x + 1], out[2x] = (3c + padded[x] + evenBias) &gt;&gt; shift and
    /// out[2x + 1] = (3c + padded[x + 2] + oddBias) &gt;&gt; shift.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Expand(ReadOnlySpan<short> padded, int width, int evenBias, int oddBias, int shift, Span<byte> output)
    {
        var dst = output[..(2 * width)];
        padded = padded[..(width + 2)];
        var x = 0;
        if (Avx2.IsSupported)
        {
            var eb = Vector256.Create((short)evenBias);
            var ob = Vector256.Create((short)oddBias);
            for (; x + 16 <= width; x += 16)
            {
                var left = Vector256.Create(padded.Slice(x, 16));
                var here = Vector256.Create(padded.Slice(x + 1, 16)) * 3;
                var right = Vector256.Create(padded.Slice(x + 2, 16));
                var even = Vector256.ShiftRightLogical(here + left + eb, shift);
                var odd = Vector256.ShiftRightLogical(here + right + ob, shift);
                // Both are 0..255, so (odd << 8) | even stores the pair in output order.
                (even | (odd << 8)).AsByte().CopyTo(dst.Slice(2 * x, 32));
            }
        }
        for (; x < width; x++)
        {
            var here = padded[x + 1] * 3;
            dst[2 * x] = (byte)((here + padded[x] + evenBias) >> shift);
            dst[2 * x + 1] = (byte)((here + padded[x + 2] + oddBias) >> shift);
        }
    }
}
