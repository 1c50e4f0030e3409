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
    private readonly int[] _columnSums;
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
        _columnSums = _method == Method.Fancy2x2 ? new int[component.DownsampledWidth] : [];
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
                var dst = _row.AsSpan();
                // Each output sample is 3/4 of the nearer input plus 1/4 of the further one, with libjpeg's
                // alternating rounding bias; the edges repeat the outermost sample.
                for (var x = 0; x < width; x++)
                {
                    var near = src[x] * 3;
                    var left = src[x == 0 ? 0 : x - 1];
                    var right = src[x == width - 1 ? x : x + 1];
                    dst[2 * x] = (byte)((near + left + 1) >> 2);
                    dst[2 * x + 1] = (byte)((near + right + 2) >> 2);
                }
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
                var sums = _columnSums.AsSpan();
                for (var x = 0; x < width; x++)
                    sums[x] = near[x] * 3 + far[x];
                var dst = _row.AsSpan();
                for (var x = 0; x < width; x++)
                {
                    var here = sums[x] * 3;
                    var left = sums[x == 0 ? 0 : x - 1];
                    var right = sums[x == width - 1 ? x : x + 1];
                    dst[2 * x] = (byte)((here + left + 8) >> 4);
                    dst[2 * x + 1] = (byte)((here + right + 7) >> 4);
                }
                return _row;
            }
        }
    }
}
