namespace TokenVision.IO.Png;

/// <summary>
/// The five PNG row filters (specification section 9). Each predicts a byte from its left neighbour <c>a</c>
/// (one pixel back), the byte above <c>b</c> and the upper-left byte <c>c</c>; bytes left of the row are 0,
/// and the row above the first row of an image or interlace pass is all 0.
/// </summary>
internal static class PngFilter
{
    /// <summary>Raw bytes.</summary>
    public const int None = 0;
    /// <summary>Predict <c>a</c>.</summary>
    public const int Sub = 1;
    /// <summary>Predict <c>b</c>.</summary>
    public const int Up = 2;
    /// <summary>Predict <c>floor((a + b) / 2)</c>.</summary>
    public const int Average = 3;
    /// <summary>Predict whichever of <c>a</c>, <c>b</c>, <c>c</c> is closest to <c>a + b - c</c> (ties in that order).</summary>
    public const int Paeth = 4;

    /// <summary>
    /// Reconstructs a row: <c>dst[i] = src[i] + predictor(dst[i - bpp], prev[i], prev[i - bpp])</c> mod 256.
    /// <paramref name="src"/> and <paramref name="dst"/> may be the same memory (in place); <paramref name="prev"/> is the reconstructed row above.
    /// </summary>
    public static void Unfilter(int filter, ReadOnlySpan<byte> src, Span<byte> dst, ReadOnlySpan<byte> prev, int bpp)
    {
        var n = src.Length;
        dst = dst[..n];
        prev = prev[..n];
        switch (filter)
        {
            case None:
                src.CopyTo(dst);
                break;
            case Sub:
                for (var i = 0; i < bpp && i < n; i++)
                    dst[i] = src[i];
                for (var i = bpp; i < n; i++)
                    dst[i] = (byte)(src[i] + dst[i - bpp]);
                break;
            case Up:
                for (var i = 0; i < n; i++)
                    dst[i] = (byte)(src[i] + prev[i]);
                break;
            case Average:
                for (var i = 0; i < bpp && i < n; i++)
                    dst[i] = (byte)(src[i] + (prev[i] >> 1));
                for (var i = bpp; i < n; i++)
                    dst[i] = (byte)(src[i] + ((dst[i - bpp] + prev[i]) >> 1));
                break;
            case Paeth:
                for (var i = 0; i < bpp && i < n; i++)
                    dst[i] = (byte)(src[i] + prev[i]);
                for (var i = bpp; i < n; i++)
                    dst[i] = (byte)(src[i] + PaethPredictor(dst[i - bpp], prev[i], prev[i - bpp]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter types are 0 to 4");
        }
    }

    /// <summary>
    /// Filters a row for encoding: <c>dst[i] = cur[i] - predictor(cur[i - bpp], prev[i], prev[i - bpp])</c> mod 256,
    /// the inverse of <see cref="Unfilter"/>. <paramref name="prev"/> is the row above (all 0 for the first row).
    /// </summary>
    public static void Apply(int filter, ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, Span<byte> dst, int bpp)
    {
        var n = cur.Length;
        dst = dst[..n];
        prev = prev[..n];
        var head = Math.Min(bpp, n);
        switch (filter)
        {
            case None:
                cur.CopyTo(dst);
                break;
            case Sub:
                cur[..head].CopyTo(dst);
                for (var i = bpp; i < n; i++)
                    dst[i] = (byte)(cur[i] - cur[i - bpp]);
                break;
            case Up:
                for (var i = 0; i < n; i++)
                    dst[i] = (byte)(cur[i] - prev[i]);
                break;
            case Average:
                for (var i = 0; i < head; i++)
                    dst[i] = (byte)(cur[i] - (prev[i] >> 1));
                for (var i = bpp; i < n; i++)
                    dst[i] = (byte)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
                break;
            case Paeth:
                for (var i = 0; i < head; i++)
                    dst[i] = (byte)(cur[i] - prev[i]);
                for (var i = bpp; i < n; i++)
                    dst[i] = (byte)(cur[i] - PaethPredictor(cur[i - bpp], prev[i], prev[i - bpp]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter types are 0 to 4");
        }
    }

    /// <summary>The adaptive-filter cost of a filtered row: the sum of its bytes read as signed values, in absolute value.</summary>
    public static long SumOfAbsoluteDifferences(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        foreach (var b in filtered)
            sum += Math.Abs((int)(sbyte)b);
        return sum;
    }

    /// <summary>The Paeth predictor of the specification: <c>a</c>, <c>b</c> or <c>c</c>, whichever is nearest to <c>a + b - c</c>.</summary>
    public static int PaethPredictor(int a, int b, int c)
    {
        var pa = Math.Abs(b - c);
        var pb = Math.Abs(a - c);
        var pc = Math.Abs(a + b - 2 * c);
        if (pa <= pb && pa <= pc)
            return a;
        return pb <= pc ? b : c;
    }
}
