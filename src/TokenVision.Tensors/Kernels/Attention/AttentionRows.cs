using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Simd;

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
        var r = 0;
        if (TOps.Count > 1 && Sse.IsSupported)
        {
            // 4 × 4 blocks transposed in registers: four loads, eight shuffles, four stores per 16 elements.
            for (; r + 4 <= rows; r += 4)
            {
                var s = src + r * srcRow;
                var d = dst + r;
                var c = 0;
                for (; c + 4 <= cols; c += 4)
                {
                    var a0 = Vector128.Load(s + c);
                    var a1 = Vector128.Load(s + srcRow + c);
                    var a2 = Vector128.Load(s + 2 * srcRow + c);
                    var a3 = Vector128.Load(s + 3 * srcRow + c);
                    var t0 = Sse.UnpackLow(a0, a1);
                    var t1 = Sse.UnpackLow(a2, a3);
                    var t2 = Sse.UnpackHigh(a0, a1);
                    var t3 = Sse.UnpackHigh(a2, a3);
                    Sse.MoveLowToHigh(t0, t1).Store(d + c * ldDst);
                    Sse.MoveHighToLow(t1, t0).Store(d + (c + 1) * ldDst);
                    Sse.MoveLowToHigh(t2, t3).Store(d + (c + 2) * ldDst);
                    Sse.MoveHighToLow(t3, t2).Store(d + (c + 3) * ldDst);
                }
                for (; c < cols; c++)
                {
                    var o = d + c * ldDst;
                    o[0] = s[c];
                    o[1] = s[srcRow + c];
                    o[2] = s[2 * srcRow + c];
                    o[3] = s[3 * srcRow + c];
                }
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

    /// <summary>Largest of s[0 .. vectors·W) (two running maxima to halve the dependency chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float* s, int vectors)
    {
        var w = TOps.Count;
        TVec m0 = TOps.Create(float.NegativeInfinity), m1 = m0;
        var v = 0;
        for (; v + 2 <= vectors; v += 2)
        {
            m0 = TOps.Max(m0, TOps.Load(s + v * w));
            m1 = TOps.Max(m1, TOps.Load(s + (v + 1) * w));
        }
        if (v < vectors)
            m0 = TOps.Max(m0, TOps.Load(s + v * w));
        return TOps.MaxAcross(TOps.Max(m0, m1));
    }

    /// <summary>s[j] = e^(s[j] − max) for j &lt; vectors·W, returning Σ s[j] (two running sums, combined at the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float* s, int vectors, float max)
    {
        var w = TOps.Count;
        var mv = TOps.Create(max);
        TVec s0 = TOps.Zero, s1 = TOps.Zero;
        var v = 0;
        for (; v + 2 <= vectors; v += 2)
        {
            var e0 = TOps.Exp(TOps.Subtract(TOps.Load(s + v * w), mv));
            var e1 = TOps.Exp(TOps.Subtract(TOps.Load(s + (v + 1) * w), mv));
            TOps.Store(s + v * w, e0);
            TOps.Store(s + (v + 1) * w, e1);
            s0 = TOps.Add(s0, e0);
            s1 = TOps.Add(s1, e1);
        }
        if (v < vectors)
        {
            var e0 = TOps.Exp(TOps.Subtract(TOps.Load(s + v * w), mv));
            TOps.Store(s + v * w, e0);
            s0 = TOps.Add(s0, e0);
        }
        return TOps.SumAcross(TOps.Add(s0, s1));
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
