using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// The accurate integer inverse DCT of libjpeg (<c>JDCT_ISLOW</c>): Loeffler-Ligtenberg-Moschytz with 13-bit
/// fixed-point constants, columns first with 2 extra bits of precision, then rows, then libjpeg's post-IDCT range
/// limiting (results wrap modulo 1024 before clamping, exactly as its lookup table does).
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13;
    private const int Pass1Bits = 2;

    private const int Fix0298631336 = 2446;
    private const int Fix0390180644 = 3196;
    private const int Fix0541196100 = 4433;
    private const int Fix0765366865 = 6270;
    private const int Fix0899976223 = 7373;
    private const int Fix1175875602 = 9633;
    private const int Fix1501321110 = 12299;
    private const int Fix1847759065 = 15137;
    private const int Fix1961570560 = 16069;
    private const int Fix2053119869 = 16819;
    private const int Fix2562915447 = 20995;
    private const int Fix3072711026 = 25172;

    /// <summary>
    /// libjpeg's post-IDCT range limit indexed by <c>value &amp; 1023</c>: -128..127 map to 0..255, larger values to
    /// 255, more negative ones to 0, and values beyond +-512 wrap around.
    /// </summary>
    private static readonly byte[] s_rangeLimit = BuildRangeLimit();

    private static byte[] BuildRangeLimit()
    {
        var table = new byte[1024];
        for (var i = 0; i < 1024; i++)
        {
            var v = ((i + 512) & 1023) - 512;
            table[i] = (byte)Math.Clamp(v + 128, 0, 255);
        }
        return table;
    }

    /// <summary>Fills an 8x8 block with the output of a block whose only nonzero coefficient is DC.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransformDcOnly(int dequantizedDc, Span<byte> output, int offset, int stride)
    {
        // Pass 1 yields dc << 2 everywhere; pass 2 descales by 5 bits with rounding.
        var value = s_rangeLimit[((dequantizedDc * 4 + 16) >> 5) & 1023];
        var fill = value * 0x0101010101010101UL;
        for (var row = 0; row < 8; row++)
            MemoryMarshal.Write(output.Slice(offset + row * stride, 8), in fill);
    }

    /// <summary>
    /// Dequantizes <paramref name="coefficients"/> (natural order) with <paramref name="quant"/> into
    /// <paramref name="dequantized"/> and transforms them (see the other overload).
    /// </summary>
    public static void Transform(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quant, Span<int> dequantized, Span<int> workspace, Span<byte> output, int offset, int stride)
    {
        var input = coefficients[..64];
        var q = quant[..64];
        var d = dequantized[..64];
        for (var i = 0; i < 64; i++)
            d[i] = input[i] * q[i];
        Transform(d, workspace, output, offset, stride);
    }

    /// <summary>
    /// Transforms 64 dequantized coefficients (natural order) and writes the 8x8 samples to
    /// <paramref name="output"/> at <paramref name="offset"/>, rows <paramref name="stride"/> apart.
    /// </summary>
    public static void Transform(ReadOnlySpan<int> dequantized, Span<int> workspace, Span<byte> output, int offset, int stride)
    {
        if (Avx2.IsSupported)
            TransformAvx2(dequantized, output, offset, stride);
        else
            TransformScalar(dequantized, workspace, output, offset, stride);
    }

    /// <summary>The scalar reference: libjpeg's two passes as written, including its zero-column and zero-row shortcuts.</summary>
    internal static void TransformScalar(ReadOnlySpan<int> dequantized, Span<int> workspace, Span<byte> output, int offset, int stride)
    {
        var input = dequantized[..64];
        var ws = workspace[..64];
        var range = s_rangeLimit;

        // Pass 1: columns from the input into the workspace, scaled up by 2^Pass1Bits.
        for (var col = 0; col < 8; col++)
        {
            if (input[8 + col] == 0 && input[16 + col] == 0 && input[24 + col] == 0 && input[32 + col] == 0 &&
                input[40 + col] == 0 && input[48 + col] == 0 && input[56 + col] == 0)
            {
                var dc = input[col] << Pass1Bits;
                ws[col] = dc;
                ws[8 + col] = dc;
                ws[16 + col] = dc;
                ws[24 + col] = dc;
                ws[32 + col] = dc;
                ws[40 + col] = dc;
                ws[48 + col] = dc;
                ws[56 + col] = dc;
                continue;
            }

            // Even part.
            var z2 = input[16 + col];
            var z3 = input[48 + col];
            var z1 = (z2 + z3) * Fix0541196100;
            var tmp2 = z1 - z3 * Fix1847759065;
            var tmp3 = z1 + z2 * Fix0765366865;
            z2 = input[col];
            z3 = input[32 + col];
            var tmp0 = (z2 + z3) << ConstBits;
            var tmp1 = (z2 - z3) << ConstBits;
            var tmp10 = tmp0 + tmp3;
            var tmp13 = tmp0 - tmp3;
            var tmp11 = tmp1 + tmp2;
            var tmp12 = tmp1 - tmp2;

            // Odd part.
            tmp0 = input[56 + col];
            tmp1 = input[40 + col];
            tmp2 = input[24 + col];
            tmp3 = input[8 + col];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            var z4 = tmp1 + tmp3;
            var z5 = (z3 + z4) * Fix1175875602;
            tmp0 *= Fix0298631336;
            tmp1 *= Fix2053119869;
            tmp2 *= Fix3072711026;
            tmp3 *= Fix1501321110;
            z1 *= -Fix0899976223;
            z2 *= -Fix2562915447;
            z3 = z3 * -Fix1961570560 + z5;
            z4 = z4 * -Fix0390180644 + z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;

            const int shift = ConstBits - Pass1Bits;
            const int round = 1 << (shift - 1);
            ws[col] = (tmp10 + tmp3 + round) >> shift;
            ws[56 + col] = (tmp10 - tmp3 + round) >> shift;
            ws[8 + col] = (tmp11 + tmp2 + round) >> shift;
            ws[48 + col] = (tmp11 - tmp2 + round) >> shift;
            ws[16 + col] = (tmp12 + tmp1 + round) >> shift;
            ws[40 + col] = (tmp12 - tmp1 + round) >> shift;
            ws[24 + col] = (tmp13 + tmp0 + round) >> shift;
            ws[32 + col] = (tmp13 - tmp0 + round) >> shift;
        }

        // Pass 2: rows from the workspace into the output, descaled by 2^(Pass1Bits + 3) and range-limited.
        for (var row = 0; row < 8; row++)
        {
            var w = ws.Slice(row * 8, 8);
            var o = output.Slice(offset + row * stride, 8);
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                var fill = range[((w[0] + 16) >> 5) & 1023] * 0x0101010101010101UL;
                MemoryMarshal.Write(o, in fill);
                continue;
            }

            var z2 = w[2];
            var z3 = w[6];
            var z1 = (z2 + z3) * Fix0541196100;
            var tmp2 = z1 - z3 * Fix1847759065;
            var tmp3 = z1 + z2 * Fix0765366865;
            var tmp0 = (w[0] + w[4]) << ConstBits;
            var tmp1 = (w[0] - w[4]) << ConstBits;
            var tmp10 = tmp0 + tmp3;
            var tmp13 = tmp0 - tmp3;
            var tmp11 = tmp1 + tmp2;
            var tmp12 = tmp1 - tmp2;

            tmp0 = w[7];
            tmp1 = w[5];
            tmp2 = w[3];
            tmp3 = w[1];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            var z4 = tmp1 + tmp3;
            var z5 = (z3 + z4) * Fix1175875602;
            tmp0 *= Fix0298631336;
            tmp1 *= Fix2053119869;
            tmp2 *= Fix3072711026;
            tmp3 *= Fix1501321110;
            z1 *= -Fix0899976223;
            z2 *= -Fix2562915447;
            z3 = z3 * -Fix1961570560 + z5;
            z4 = z4 * -Fix0390180644 + z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;

            const int shift = ConstBits + Pass1Bits + 3;
            const int round = 1 << (shift - 1);
            o[0] = range[((tmp10 + tmp3 + round) >> shift) & 1023];
            o[7] = range[((tmp10 - tmp3 + round) >> shift) & 1023];
            o[1] = range[((tmp11 + tmp2 + round) >> shift) & 1023];
            o[6] = range[((tmp11 - tmp2 + round) >> shift) & 1023];
            o[2] = range[((tmp12 + tmp1 + round) >> shift) & 1023];
            o[5] = range[((tmp12 - tmp1 + round) >> shift) & 1023];
            o[3] = range[((tmp13 + tmp0 + round) >> shift) & 1023];
            o[4] = range[((tmp13 - tmp0 + round) >> shift) & 1023];
        }
    }

    /// <summary>
    /// The same arithmetic eight lanes at a time: pass 1 runs on all columns at once (one vector per row), the
    /// workspace is transposed, pass 2 runs on all rows at once, and the result is transposed back. Every lane does
    /// exactly the 32-bit operations of <see cref="TransformScalar"/> (its shortcuts give the same values as the full
    /// computation), so the output is identical.
    /// </summary>
    private static void TransformAvx2(ReadOnlySpan<int> dequantized, Span<byte> output, int offset, int stride)
    {
        var rows = MemoryMarshal.Cast<int, Vector256<int>>(dequantized[..64]);
        var r0 = rows[0];
        var r1 = rows[1];
        var r2 = rows[2];
        var r3 = rows[3];
        var r4 = rows[4];
        var r5 = rows[5];
        var r6 = rows[6];
        var r7 = rows[7];

        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits - Pass1Bits, 0);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        // Pass 2 on columns (lane = row): adding 512 << 18 before the descale moves libjpeg's wrap window
        // (-512..511 -> 0..1023) into the low 10 bits; the wrap stays exact even if the 32-bit sum overflows,
        // since 2^32 / 2^18 is a multiple of 1024.
        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits + Pass1Bits + 3, 512 << (ConstBits + Pass1Bits + 3));
        StoreLimited(r0, r1, r2, r3, r4, r5, r6, r7, output, offset, stride);
    }

    // pshufb mask turning each 16-byte lane of [column m][row r] bytes (4x4) into [row r][column m].
    private static readonly Vector256<byte> s_transpose4x4 = Vector256.Create(
        (byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);

    /// <summary>
    /// Range-limits pass-2 results c0..c7 (column m in lane r, offset by 512 as above) and stores them as 8 rows:
    /// keep 10 bits, subtract 384 (= 512 - 128) in 16-bit lanes, clamp to 0..255 by unsigned saturation, then
    /// transpose the bytes back to rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLimited(Vector256<int> c0, Vector256<int> c1, Vector256<int> c2, Vector256<int> c3,
        Vector256<int> c4, Vector256<int> c5, Vector256<int> c6, Vector256<int> c7, Span<byte> output, int offset, int stride)
    {
        var mask = Vector256.Create(1023);
        var bias = Vector256.Create((short)384);
        // In-lane packs: p01 = [c0 r0-3, c1 r0-3 | c0 r4-7, c1 r4-7], and so on.
        var p01 = Avx2.PackSignedSaturate(c0 & mask, c1 & mask) - bias;
        var p23 = Avx2.PackSignedSaturate(c2 & mask, c3 & mask) - bias;
        var p45 = Avx2.PackSignedSaturate(c4 & mask, c5 & mask) - bias;
        var p67 = Avx2.PackSignedSaturate(c6 & mask, c7 & mask) - bias;
        // Bytes per lane: [column 0..3][row] for rows 0..3 (low lane) and 4..7 (high lane), then columns 4..7.
        var left = Avx2.Shuffle(Avx2.PackUnsignedSaturate(p01, p23), s_transpose4x4).AsInt32();
        var right = Avx2.Shuffle(Avx2.PackUnsignedSaturate(p45, p67), s_transpose4x4).AsInt32();
        var rows0145 = Avx2.UnpackLow(left, right).AsUInt64();    // rows 0, 1 | 4, 5
        var rows2367 = Avx2.UnpackHigh(left, right).AsUInt64();   // rows 2, 3 | 6, 7

        var block = output.Slice(offset, 7 * stride + 8);
        ref var origin = ref MemoryMarshal.GetReference(block);
        Unsafe.WriteUnaligned(ref origin, rows0145.GetElement(0));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, stride), rows0145.GetElement(1));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, 2 * stride), rows2367.GetElement(0));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, 3 * stride), rows2367.GetElement(1));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, 4 * stride), rows0145.GetElement(2));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, 5 * stride), rows0145.GetElement(3));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, 6 * stride), rows2367.GetElement(2));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, 7 * stride), rows2367.GetElement(3));
    }

    /// <summary>One 1-D pass over eight lanes: inputs x0..x7 become outputs descaled by <paramref name="shift"/> bits (after adding <paramref name="bias"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref Vector256<int> x0, ref Vector256<int> x1, ref Vector256<int> x2, ref Vector256<int> x3,
        ref Vector256<int> x4, ref Vector256<int> x5, ref Vector256<int> x6, ref Vector256<int> x7, [ConstantExpected] int shift, int bias)
    {
        // Even part.
        var z1 = (x2 + x6) * Fix0541196100;
        var tmp2 = z1 - x6 * Fix1847759065;
        var tmp3 = z1 + x2 * Fix0765366865;
        var tmp0 = (x0 + x4) << ConstBits;
        var tmp1 = (x0 - x4) << ConstBits;
        var tmp10 = tmp0 + tmp3;
        var tmp13 = tmp0 - tmp3;
        var tmp11 = tmp1 + tmp2;
        var tmp12 = tmp1 - tmp2;

        // Odd part.
        var o0 = x7;
        var o1 = x5;
        var o2 = x3;
        var o3 = x1;
        var z3 = o0 + o2;
        var z4 = o1 + o3;
        var z5 = (z3 + z4) * Fix1175875602;
        var za = (o0 + o3) * -Fix0899976223;
        var zb = (o1 + o2) * -Fix2562915447;
        z3 = z3 * -Fix1961570560 + z5;
        z4 = z4 * -Fix0390180644 + z5;
        o0 = o0 * Fix0298631336 + za + z3;
        o1 = o1 * Fix2053119869 + zb + z4;
        o2 = o2 * Fix3072711026 + zb + z3;
        o3 = o3 * Fix1501321110 + za + z4;

        var round = Vector256.Create((1 << (shift - 1)) + bias);
        tmp10 += round;
        tmp11 += round;
        tmp12 += round;
        tmp13 += round;
        x0 = (tmp10 + o3) >> shift;
        x7 = (tmp10 - o3) >> shift;
        x1 = (tmp11 + o2) >> shift;
        x6 = (tmp11 - o2) >> shift;
        x2 = (tmp12 + o1) >> shift;
        x5 = (tmp12 - o1) >> shift;
        x3 = (tmp13 + o0) >> shift;
        x4 = (tmp13 - o0) >> shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<int> r0, ref Vector256<int> r1, ref Vector256<int> r2, ref Vector256<int> r3,
        ref Vector256<int> r4, ref Vector256<int> r5, ref Vector256<int> r6, ref Vector256<int> r7)
    {
        var t0 = Avx2.UnpackLow(r0, r1).AsInt64();
        var t1 = Avx2.UnpackHigh(r0, r1).AsInt64();
        var t2 = Avx2.UnpackLow(r2, r3).AsInt64();
        var t3 = Avx2.UnpackHigh(r2, r3).AsInt64();
        var t4 = Avx2.UnpackLow(r4, r5).AsInt64();
        var t5 = Avx2.UnpackHigh(r4, r5).AsInt64();
        var t6 = Avx2.UnpackLow(r6, r7).AsInt64();
        var t7 = Avx2.UnpackHigh(r6, r7).AsInt64();
        var u0 = Avx2.UnpackLow(t0, t2).AsInt32();
        var u1 = Avx2.UnpackHigh(t0, t2).AsInt32();
        var u2 = Avx2.UnpackLow(t1, t3).AsInt32();
        var u3 = Avx2.UnpackHigh(t1, t3).AsInt32();
        var u4 = Avx2.UnpackLow(t4, t6).AsInt32();
        var u5 = Avx2.UnpackHigh(t4, t6).AsInt32();
        var u6 = Avx2.UnpackLow(t5, t7).AsInt32();
        var u7 = Avx2.UnpackHigh(t5, t7).AsInt32();
        r0 = Avx2.Permute2x128(u0, u4, 0x20);
        r4 = Avx2.Permute2x128(u0, u4, 0x31);
        r1 = Avx2.Permute2x128(u1, u5, 0x20);
        r5 = Avx2.Permute2x128(u1, u5, 0x31);
        r2 = Avx2.Permute2x128(u2, u6, 0x20);
        r6 = Avx2.Permute2x128(u2, u6, 0x31);
        r3 = Avx2.Permute2x128(u3, u7, 0x20);
        r7 = Avx2.Permute2x128(u3, u7, 0x31);
    }
}
