using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    /// Dequantizes <paramref name="coefficients"/> (natural order) with <paramref name="quant"/> and writes the 8x8
    /// samples to <paramref name="output"/> at <paramref name="offset"/>, rows <paramref name="stride"/> apart.
    /// </summary>
    public static void Transform(ReadOnlySpan<short> coefficients, ReadOnlySpan<int> quant, Span<int> workspace, Span<byte> output, int offset, int stride)
    {
        var input = coefficients[..64];
        var q = quant[..64];
        var ws = workspace[..64];
        var range = s_rangeLimit;

        // Pass 1: columns from the input into the workspace, scaled up by 2^Pass1Bits.
        for (var col = 0; col < 8; col++)
        {
            if (input[8 + col] == 0 && input[16 + col] == 0 && input[24 + col] == 0 && input[32 + col] == 0 &&
                input[40 + col] == 0 && input[48 + col] == 0 && input[56 + col] == 0)
            {
                var dc = input[col] * q[col] << Pass1Bits;
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
            var z2 = input[16 + col] * q[16 + col];
            var z3 = input[48 + col] * q[48 + col];
            var z1 = (z2 + z3) * Fix0541196100;
            var tmp2 = z1 - z3 * Fix1847759065;
            var tmp3 = z1 + z2 * Fix0765366865;
            z2 = input[col] * q[col];
            z3 = input[32 + col] * q[32 + col];
            var tmp0 = (z2 + z3) << ConstBits;
            var tmp1 = (z2 - z3) << ConstBits;
            var tmp10 = tmp0 + tmp3;
            var tmp13 = tmp0 - tmp3;
            var tmp11 = tmp1 + tmp2;
            var tmp12 = tmp1 - tmp2;

            // Odd part.
            tmp0 = input[56 + col] * q[56 + col];
            tmp1 = input[40 + col] * q[40 + col];
            tmp2 = input[24 + col] * q[24 + col];
            tmp3 = input[8 + col] * q[8 + col];
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
}
