using System.Runtime.CompilerServices;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>Row helpers shared by the forward and backward attention kernels: packing, score terms, row copies.</summary>
/// <typeparam name="TOps">The instruction-set level.</typeparam>
/// <typeparam name="TVec">Its register type.</typeparam>
internal static unsafe class AttentionRows<TOps, TVec>
    where TOps : struct, ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <summary>
    /// dst[c·ldDst + r] = src[r·srcRow + c] for r &lt; rows, c &lt; cols (a transpose), and zero for rows ≤ r &lt; rowsPad.
    /// </summary>
    public static void PackTransposed(float* dst, nint ldDst, float* src, long srcRow, int rows, int cols, int rowsPad)
    {
        // Eight source rows at a time keep eight read streams and write eight consecutive floats per line.
        var r = 0;
        for (; r + 8 <= rows; r += 8)
        {
            var s = src + r * srcRow;
            var d = dst + r;
            for (var c = 0; c < cols; c++)
            {
                var o = d + c * ldDst;
                o[0] = s[c];
                o[1] = s[srcRow + c];
                o[2] = s[2 * srcRow + c];
                o[3] = s[3 * srcRow + c];
                o[4] = s[4 * srcRow + c];
                o[5] = s[5 * srcRow + c];
                o[6] = s[6 * srcRow + c];
                o[7] = s[7 * srcRow + c];
            }
        }
        for (; r < rows; r++)
        {
            var s = src + r * srcRow;
            for (var c = 0; c < cols; c++)
                dst[c * ldDst + r] = s[c];
        }
        if (rowsPad > rows)
        {
            for (var c = 0; c < cols; c++)
                new Span<float>(dst + c * ldDst + rows, rowsPad - rows).Clear();
        }
    }

    /// <summary>
    /// dst[r·ld + c] = scale · src[r·srcRow + c] for r &lt; rows, c &lt; cols; zero for cols ≤ c &lt; ld and for
    /// rows ≤ r &lt; rowsPad (whole rows).
    /// </summary>
    public static void PackRows(float* dst, int ld, float* src, long srcRow, int rows, int cols, float scale, int rowsPad)
    {
        var w = TOps.Count;
        var sv = TOps.Create(scale);
        for (var r = 0; r < rows; r++)
        {
            var s = src + r * srcRow;
            var d = dst + (nint)r * ld;
            var c = 0;
            for (; c + w <= cols; c += w)
                TOps.Store(d + c, TOps.Multiply(TOps.Load(s + c), sv));
            for (; c < cols; c++)
                d[c] = s[c] * scale;
            for (; c < ld; c++)
                d[c] = 0f;
        }
        if (rowsPad > rows)
            new Span<float>(dst + (nint)rows * ld, (rowsPad - rows) * ld).Clear();
    }

    /// <summary>dst[c] = scale · src[c] for c &lt; cols (vector body, scalar tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleRow(float* dst, float* src, int cols, float scale)
    {
        var w = TOps.Count;
        var sv = TOps.Create(scale);
        var c = 0;
        for (; c + w <= cols; c += w)
            TOps.Store(dst + c, TOps.Multiply(TOps.Load(src + c), sv));
        for (; c < cols; c++)
            dst[c] = src[c] * scale;
    }

    /// <summary>Σ a[c]·b[c] for c &lt; cols, accumulated lane-wise then across lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int cols)
    {
        var w = TOps.Count;
        var acc = TOps.Zero;
        var c = 0;
        for (; c + w <= cols; c += w)
            acc = TOps.MultiplyAdd(TOps.Load(a + c), TOps.Load(b + c), acc);
        var sum = TOps.SumAcross(acc);
        for (; c < cols; c++)
            sum = MathF.FusedMultiplyAdd(a[c], b[c], sum);
        return sum;
    }

    /// <summary>
    /// Adds the bias row and applies the mask row to scores s[0..count) for keys j0.. of one query row:
    /// <paramref name="bias"/> and <paramref name="mask"/> point at that row's element for key j0 (null when absent).
    /// </summary>
    public static void ApplyTerms(float* s, int count, float* bias, long biasStep, byte* mask, long maskStep)
    {
        var w = TOps.Count;
        if (bias != null)
        {
            var j = 0;
            if (biasStep == 1)
            {
                for (; j + w <= count; j += w)
                    TOps.Store(s + j, TOps.Add(TOps.Load(s + j), TOps.Load(bias + j)));
            }
            for (; j < count; j++)
                s[j] += bias[j * biasStep];
        }
        if (mask != null)
        {
            var j = 0;
            if (maskStep == 1)
            {
                for (; j + w <= count; j += w)
                    TOps.Store(s + j, TOps.MaskBytes(TOps.Load(s + j), mask + j));
            }
            for (; j < count; j++)
            {
                if (mask[j * maskStep] == 0)
                    s[j] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>dst[j·step] += src[j] for j &lt; count (the bias-gradient accumulation).</summary>
    public static void AddRow(float* dst, long step, float* src, int count)
    {
        var w = TOps.Count;
        var j = 0;
        if (step == 1)
        {
            for (; j + w <= count; j += w)
                TOps.Store(dst + j, TOps.Add(TOps.Load(dst + j), TOps.Load(src + j)));
        }
        for (; j < count; j++)
            dst[j * step] += src[j];
    }
}
