using System.Numerics;
using TokenVision.IO.Imaging;

namespace TokenVision.Data.Transforms;

/// <summary>
/// Image resizing that reproduces PIL's <c>Image.resize</c> byte for byte: separable two-pass convolution
/// (horizontal first, then vertical), antialiased when downscaling, with PIL's 8-bit fixed-point arithmetic.
/// </summary>
/// <remarks>
/// For an output coordinate <c>i</c> the filter is centred on <c>(i + 0.5) * scale</c> in input coordinates, where
/// <c>scale = in / out</c>; its support is <c>filter_support * max(scale, 1)</c> and its argument is divided by
/// <c>max(scale, 1)</c>, so downscaling averages over every input pixel that the output pixel covers. Weights are
/// normalised to sum to one, then rounded to 22 fractional bits; each pass rounds its sums and clips them to 0..255.
/// Nearest neighbour picks <c>floor((i + 0.5) * scale)</c> (accumulated in double precision as PIL does).
/// </remarks>
public static class Resampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes an 8-bit gray or RGB image to <paramref name="width"/> x <paramref name="height"/> as PIL does.</summary>
    /// <exception cref="NotSupportedException">The image has an alpha channel (PIL premultiplies it; convert to RGB first) or 16-bit samples.</exception>
    public static Image Resize(Image image, int width, int height, Interpolation interpolation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"resize target {width}x{height} must be positive");
        if (image.BitDepth != 8)
            throw new NotSupportedException($"resize needs 8-bit samples, got {image.BitDepth}-bit; convert the image to RGB first");
        if (image.Model is ColorModel.GrayAlpha or ColorModel.Rgba)
            throw new NotSupportedException($"resize of {image.Model} images is not supported (PIL premultiplies alpha); convert to RGB first");
        if (width == image.Width && height == image.Height)
            return new Image(width, height, image.Model, (byte[])image.Pixels.Clone());
        var channels = image.Channels;
        var pixels = interpolation == Interpolation.Nearest
            ? ResizeNearest(image.Pixels, image.Width, image.Height, channels, width, height)
            : Resample8(image.Pixels, image.Width, image.Height, channels, width, height, interpolation);
        return new Image(width, height, image.Model, pixels);
    }

    /// <summary>
    /// Resizes each plane of a float image as PIL does for mode <c>F</c> images: the same filters and windows, with
    /// double-precision sums stored as float32 after each pass.
    /// </summary>
    public static FloatImage Resize(FloatImage image, int width, int height, Interpolation interpolation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"resize target {width}x{height} must be positive");
        var result = new FloatImage(image.Channels, height, width);
        var inPlane = image.Height * image.Width;
        var outPlane = height * width;
        for (var c = 0; c < image.Channels; c++)
        {
            var src = image.Data.AsSpan(c * inPlane, inPlane);
            var dst = result.Data.AsSpan(c * outPlane, outPlane);
            if (width == image.Width && height == image.Height)
                src.CopyTo(dst);
            else if (interpolation == Interpolation.Nearest)
                NearestPlane(src, image.Width, image.Height, dst, width, height);
            else
                ResamplePlaneF(src, image.Width, image.Height, dst, width, height, interpolation);
        }
        return result;
    }

    // ---- filters -----------------------------------------------------------------------------------------------

    private static double Support(Interpolation f) => f switch
    {
        Interpolation.Box => 0.5,
        Interpolation.Bilinear or Interpolation.Hamming => 1.0,
        Interpolation.Bicubic => 2.0,
        Interpolation.Lanczos => 3.0,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "not a convolution filter"),
    };

    private static double Filter(Interpolation f, double x)
    {
        switch (f)
        {
            case Interpolation.Box:
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            case Interpolation.Bilinear:
                x = Math.Abs(x);
                return x < 1.0 ? 1.0 - x : 0.0;
            case Interpolation.Hamming:
                x = Math.Abs(x);
                if (x == 0.0)
                    return 1.0;
                if (x >= 1.0)
                    return 0.0;
                x *= Math.PI;
                // PIL writes the window constants as float literals.
                return Math.Sin(x) / x * ((double)0.54f + (double)0.46f * Math.Cos(x));
            case Interpolation.Bicubic:
                const double a = -0.5;
                x = Math.Abs(x);
                if (x < 1.0)
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                if (x < 2.0)
                    return (((x - 5) * x + 8) * x - 4) * a;
                return 0.0;
            case Interpolation.Lanczos:
                return x >= -3.0 && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;
            default:
                throw new ArgumentOutOfRangeException(nameof(f), f, "not a convolution filter");
        }
    }

    private static double Sinc(double x)
    {
        if (x == 0.0)
            return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    /// <summary>Per output index: first input index, tap count, and <c>KSize</c> normalised weights.</summary>
    internal sealed class Coefficients
    {
        public required int KSize { get; init; }
        public required int[] Bounds { get; init; }
        public required double[] Weights { get; init; }

        /// <summary>The weights as PIL's 8-bit path rounds them: 22 fractional bits, rounded half away from zero.</summary>
        public int[] Fixed()
        {
            var k = new int[Weights.Length];
            for (var i = 0; i < k.Length; i++)
            {
                var w = Weights[i];
                k[i] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            return k;
        }
    }

    /// <summary>PIL's <c>precompute_coeffs</c> for the window <c>[in0, in1)</c> of an axis of <paramref name="inSize"/> pixels.</summary>
    internal static Coefficients Precompute(int inSize, float in0, float in1, int outSize, Interpolation f)
    {
        var scale = (double)(in1 - in0) / outSize;
        var filterScale = scale < 1.0 ? 1.0 : scale;
        var support = Support(f) * filterScale;
        var ksize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var kk = new double[outSize * ksize];
        var ss = 1.0 / filterScale;
        for (var xx = 0; xx < outSize; xx++)
        {
            var center = in0 + (xx + 0.5) * scale;
            var xmin = (int)(center - support + 0.5);
            if (xmin < 0)
                xmin = 0;
            var xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
                xmax = inSize;
            xmax -= xmin;
            var k = kk.AsSpan(xx * ksize, ksize);
            var ww = 0.0;
            for (var x = 0; x < xmax; x++)
            {
                var w = Filter(f, (x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            if (ww != 0.0)
            {
                for (var x = 0; x < xmax; x++)
                    k[x] /= ww;
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = Math.Max(xmax, 0);
        }
        return new Coefficients { KSize = ksize, Bounds = bounds, Weights = kk };
    }

    // ---- 8-bit convolution ---------------------------------------------------------------------------------------

    private static byte[] Resample8(byte[] src, int inW, int inH, int channels, int outW, int outH, Interpolation f)
    {
        var needH = outW != inW;
        var needV = outH != inH;
        var vert = Precompute(inH, 0, inH, outH, f);
        var yFirst = vert.Bounds[0];
        var yLast = vert.Bounds[outH * 2 - 2] + vert.Bounds[outH * 2 - 1];
        byte[] current = src;
        var curW = inW;
        var vBounds = vert.Bounds;
        byte[]? rented = null;
        if (needH)
        {
            var horiz = Precompute(inW, 0, inW, outW, f);
            vBounds = (int[])vert.Bounds.Clone();
            for (var i = 0; i < outH; i++)
                vBounds[i * 2] -= yFirst;
            var rows = yLast - yFirst;
            var temp = needV ? System.Buffers.ArrayPool<byte>.Shared.Rent(rows * outW * channels) : new byte[rows * outW * channels];
            if (channels == 1 || rows * channels < Vector<byte>.Count)
            {
                Horizontal8(src, inW, yFirst, rows, channels, temp, outW, horiz.KSize, horiz.Bounds, horiz.Fixed());
            }
            else
            {
                // Transposed, the horizontal pass becomes a vertical one over contiguous columns, which vectorises;
                // the sums and their rounding are the same, so the bytes are too.
                var pool = System.Buffers.ArrayPool<byte>.Shared;
                var cols = pool.Rent(inW * rows * channels);
                var colsOut = pool.Rent(outW * rows * channels);
                Transpose(src.AsSpan(yFirst * inW * channels, rows * inW * channels), rows, inW, channels, cols);
                Vertical8(cols, rows * channels, colsOut, outW, horiz.KSize, horiz.Bounds, horiz.Fixed());
                Transpose(colsOut.AsSpan(0, outW * rows * channels), outW, rows, channels, temp.AsSpan(0, rows * outW * channels));
                pool.Return(cols);
                pool.Return(colsOut);
            }
            if (needV)
                rented = temp;
            current = temp;
            curW = outW;
        }
        if (needV)
        {
            var dst = new byte[outH * curW * channels];
            Vertical8(current, curW * channels, dst, outH, vert.KSize, vBounds, vert.Fixed());
            if (rented is not null)
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            return dst;
        }
        return current == src ? (byte[])src.Clone() : current;
    }

    /// <summary>
    /// Swaps the two outer axes of a <c>[rows, cols, channels]</c> pixel array. Each output row (an input column) is
    /// written contiguously while the input is read down its column, a strip of columns at a time so the rows read stay
    /// in cache.
    /// </summary>
    private static void Transpose(ReadOnlySpan<byte> src, int rows, int cols, int channels, Span<byte> dst)
    {
        const int strip = 16;
        const int band = 64;
        var stride = cols * channels;
        for (var x0 = 0; x0 < cols; x0 += strip)
        {
            var x1 = Math.Min(x0 + strip, cols);
            for (var y0 = 0; y0 < rows; y0 += band)
            {
                var y1 = Math.Min(y0 + band, rows);
                for (var x = x0; x < x1; x++)
                {
                    var d = dst.Slice((x * rows + y0) * channels, (y1 - y0) * channels);
                    var si = y0 * stride + x * channels;
                    if (channels == 3)
                    {
                        for (var o = 0; o < d.Length; o += 3, si += stride)
                        {
                            d[o] = src[si];
                            d[o + 1] = src[si + 1];
                            d[o + 2] = src[si + 2];
                        }
                    }
                    else
                    {
                        for (var o = 0; o < d.Length; o += channels, si += stride)
                            src.Slice(si, channels).CopyTo(d.Slice(o, channels));
                    }
                }
            }
        }
    }

    private static byte Clip8(int v)
    {
        v >>= PrecisionBits;
        return v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
    }

    private static void Horizontal8(byte[] src, int inW, int rowOffset, int rows, int channels, byte[] dst, int outW, int ksize, int[] bounds, int[] kk)
    {
        const int half = 1 << (PrecisionBits - 1);
        var inStride = inW * channels;
        var outStride = outW * channels;
        for (var yy = 0; yy < rows; yy++)
        {
            var inRow = src.AsSpan((yy + rowOffset) * inStride, inStride);
            var outRow = dst.AsSpan(yy * outStride, outStride);
            switch (channels)
            {
                case 1:
                    for (var xx = 0; xx < outW; xx++)
                    {
                        var xmin = bounds[xx * 2];
                        var n = bounds[xx * 2 + 1];
                        var k = kk.AsSpan(xx * ksize, n);
                        var p = inRow.Slice(xmin, n);
                        var s0 = half;
                        for (var x = 0; x < k.Length; x++)
                            s0 += p[x] * k[x];
                        outRow[xx] = Clip8(s0);
                    }
                    break;
                case 3:
                    for (var xx = 0; xx < outW; xx++)
                    {
                        var xmin = bounds[xx * 2];
                        var n = bounds[xx * 2 + 1];
                        var k = kk.AsSpan(xx * ksize, n);
                        var p = inRow.Slice(xmin * 3, n * 3);
                        int s0 = half, s1 = half, s2 = half;
                        for (var x = 0; x < k.Length; x++)
                        {
                            var w = k[x];
                            s0 += p[3 * x] * w;
                            s1 += p[3 * x + 1] * w;
                            s2 += p[3 * x + 2] * w;
                        }
                        outRow[xx * 3] = Clip8(s0);
                        outRow[xx * 3 + 1] = Clip8(s1);
                        outRow[xx * 3 + 2] = Clip8(s2);
                    }
                    break;
                default:
                    for (var xx = 0; xx < outW; xx++)
                    {
                        var xmin = bounds[xx * 2];
                        var n = bounds[xx * 2 + 1];
                        var k = kk.AsSpan(xx * ksize, n);
                        for (var c = 0; c < channels; c++)
                        {
                            var s = half;
                            for (var x = 0; x < k.Length; x++)
                                s += inRow[(xmin + x) * channels + c] * k[x];
                            outRow[xx * channels + c] = Clip8(s);
                        }
                    }
                    break;
            }
        }
    }

    /// <summary>The vertical pass: each output row is a weighted sum of input rows, vectorised along the row.</summary>
    private static void Vertical8(byte[] src, int rowLength, byte[] dst, int outRows, int ksize, int[] bounds, int[] kk)
    {
        const int half = 1 << (PrecisionBits - 1);
        var width = Vector<byte>.Count;
        for (var yy = 0; yy < outRows; yy++)
        {
            var ymin = bounds[yy * 2];
            var n = bounds[yy * 2 + 1];
            var k = kk.AsSpan(yy * ksize, n);
            var outRow = dst.AsSpan(yy * rowLength, rowLength);
            var x = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var zero = Vector<int>.Zero;
                var max = new Vector<int>(255);
                for (; x <= rowLength - width; x += width)
                {
                    var a0 = new Vector<int>(half);
                    var a1 = a0;
                    var a2 = a0;
                    var a3 = a0;
                    for (var t = 0; t < k.Length; t++)
                    {
                        var v = new Vector<byte>(src.AsSpan((ymin + t) * rowLength + x, width));
                        Vector.Widen(v, out var lo, out var hi);
                        Vector.Widen(lo, out var l0, out var l1);
                        Vector.Widen(hi, out var h0, out var h1);
                        var w = new Vector<int>(k[t]);
                        a0 += Vector.AsVectorInt32(l0) * w;
                        a1 += Vector.AsVectorInt32(l1) * w;
                        a2 += Vector.AsVectorInt32(h0) * w;
                        a3 += Vector.AsVectorInt32(h1) * w;
                    }
                    a0 = Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a0, PrecisionBits), zero), max);
                    a1 = Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a1, PrecisionBits), zero), max);
                    a2 = Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a2, PrecisionBits), zero), max);
                    a3 = Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(a3, PrecisionBits), zero), max);
                    var n0 = Vector.Narrow(Vector.AsVectorUInt32(a0), Vector.AsVectorUInt32(a1));
                    var n1 = Vector.Narrow(Vector.AsVectorUInt32(a2), Vector.AsVectorUInt32(a3));
                    Vector.Narrow(n0, n1).CopyTo(outRow[x..]);
                }
            }
            for (; x < rowLength; x++)
            {
                var s = half;
                for (var t = 0; t < k.Length; t++)
                    s += src[(ymin + t) * rowLength + x] * k[t];
                outRow[x] = Clip8(s);
            }
        }
    }

    // ---- nearest neighbour -------------------------------------------------------------------------------------

    /// <summary>PIL's nearest-neighbour positions: <c>COORD(scale/2 + i*scale)</c>, accumulated as PIL accumulates them.</summary>
    private static int[] NearestIndices(int inSize, int outSize)
    {
        var a = (double)inSize / outSize;
        var idx = new int[outSize];
        var o = a * 0.5;
        for (var i = 0; i < outSize; i++)
        {
            var v = o < 0.0 ? -1 : (int)o;
            idx[i] = Math.Clamp(v, 0, inSize - 1);
            o += a;
        }
        return idx;
    }

    private static byte[] ResizeNearest(byte[] src, int inW, int inH, int channels, int outW, int outH)
    {
        var xs = NearestIndices(inW, outW);
        var ys = NearestIndices(inH, outH);
        var dst = new byte[outW * outH * channels];
        for (var y = 0; y < outH; y++)
        {
            var inRow = src.AsSpan(ys[y] * inW * channels, inW * channels);
            var outRow = dst.AsSpan(y * outW * channels, outW * channels);
            for (var x = 0; x < outW; x++)
                inRow.Slice(xs[x] * channels, channels).CopyTo(outRow.Slice(x * channels, channels));
        }
        return dst;
    }

    private static void NearestPlane(ReadOnlySpan<float> src, int inW, int inH, Span<float> dst, int outW, int outH)
    {
        var xs = NearestIndices(inW, outW);
        var ys = NearestIndices(inH, outH);
        for (var y = 0; y < outH; y++)
            for (var x = 0; x < outW; x++)
                dst[y * outW + x] = src[ys[y] * inW + xs[x]];
    }

    // ---- float convolution (PIL mode F) ------------------------------------------------------------------------

    private static void ResamplePlaneF(ReadOnlySpan<float> src, int inW, int inH, Span<float> dst, int outW, int outH, Interpolation f)
    {
        var vert = Precompute(inH, 0, inH, outH, f);
        var yFirst = vert.Bounds[0];
        var yLast = vert.Bounds[outH * 2 - 2] + vert.Bounds[outH * 2 - 1];
        float[] current;
        int curW, rowOffset;
        if (outW != inW)
        {
            var horiz = Precompute(inW, 0, inW, outW, f);
            var rows = yLast - yFirst;
            current = new float[rows * outW];
            for (var yy = 0; yy < rows; yy++)
            {
                var inRow = src.Slice((yy + yFirst) * inW, inW);
                for (var xx = 0; xx < outW; xx++)
                {
                    var xmin = horiz.Bounds[xx * 2];
                    var n = horiz.Bounds[xx * 2 + 1];
                    var ss = 0.0;
                    for (var x = 0; x < n; x++)
                        ss += inRow[xmin + x] * horiz.Weights[xx * horiz.KSize + x];
                    current[yy * outW + xx] = (float)ss;
                }
            }
            curW = outW;
            rowOffset = yFirst;
        }
        else
        {
            current = src.ToArray();
            curW = inW;
            rowOffset = 0;
        }
        if (outH == inH)
        {
            current.AsSpan(0, outH * curW).CopyTo(dst);
            return;
        }
        for (var yy = 0; yy < outH; yy++)
        {
            var ymin = vert.Bounds[yy * 2] - rowOffset;
            var n = vert.Bounds[yy * 2 + 1];
            for (var xx = 0; xx < curW; xx++)
            {
                var ss = 0.0;
                for (var y = 0; y < n; y++)
                    ss += current[(ymin + y) * curW + xx] * vert.Weights[yy * vert.KSize + y];
                dst[yy * curW + xx] = (float)ss;
            }
        }
    }
}
