using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Turns decoded component planes into interleaved output rows: libjpeg's chroma upsampling ("fancy" triangular
/// h2v1 / h1v2 / h2v2 filters, plain replication for other integral ratios and for planes at most 2 samples wide)
/// followed by its fixed-point YCbCr to RGB conversion.
/// </summary>
internal static class JpegRenderer
{
    private const int ScaleBits = 16;
    private const int OneHalf = 1 << (ScaleBits - 1);

    // libjpeg's conversion tables, indexed by the chroma sample (x = sample - 128).
    private static readonly int[] s_crToR = BuildTable(x => (Fix(1.40200) * x + OneHalf) >> ScaleBits);
    private static readonly int[] s_cbToB = BuildTable(x => (Fix(1.77200) * x + OneHalf) >> ScaleBits);
    private static readonly int[] s_crToG = BuildTable(x => -Fix(0.71414) * x);
    private static readonly int[] s_cbToG = BuildTable(x => -Fix(0.34414) * x + OneHalf);

    private static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);

    private static int[] BuildTable(Func<int, int> f)
    {
        var table = new int[256];
        for (var i = 0; i < 256; i++)
            table[i] = f(i - 128);
        return table;
    }

    /// <summary>Renders the planes of <paramref name="components"/> into a <c>[height, width, channels]</c> buffer.</summary>
    public static byte[] Render(JpegComponent[] components, int width, int height, int maxH, int maxV, JpegColorTransform transform)
    {
        var channels = transform == JpegColorTransform.Gray ? 1 : 3;
        var output = GC.AllocateUninitializedArray<byte>(width * height * channels);   // every byte is written below
        var upsamplers = new JpegUpsampler[components.Length];
        for (var i = 0; i < components.Length; i++)
            upsamplers[i] = new JpegUpsampler(components[i], maxH, maxV);

        for (var y = 0; y < height; y++)
        {
            var dst = output.AsSpan(y * width * channels, width * channels);
            if (transform == JpegColorTransform.Gray)
            {
                upsamplers[0].Row(y)[..width].CopyTo(dst);
                continue;
            }
            var c0 = upsamplers[0].Row(y)[..width];
            var c1 = upsamplers[1].Row(y)[..width];
            var c2 = upsamplers[2].Row(y)[..width];
            if (transform == JpegColorTransform.Rgb)
                Interleave(c0, c1, c2, dst);
            else
                YCbCrToRgb(c0, c1, c2, dst);
        }
        return output;
    }

    // libjpeg's multipliers split so that the part left for a 16-bit multiply fits in 16 bits:
    // FIX(1.402) = 65536 + 26345, FIX(1.772) = 131072 - 14942, -FIX(0.71414) = 18734 - 65536.
    private const short CrToRRest = 26345;
    private const short CbToBRest = -14942;
    private const short CbToG = -22554;     // -FIX(0.34414)
    private const short CrToGRest = 18734;

    /// <summary>
    /// Converts one row from YCbCr with libjpeg's fixed-point formulas; 32 pixels at a time in 16-bit lanes with AVX2,
    /// the rest (or everything without AVX2) through libjpeg's tables.
    /// </summary>
    /// <remarks>
    /// With x = Cr - 128 the red term is floor((91881 x + 32768) / 65536) = x + floor((26345 x + 32768) / 65536), and
    /// floor((t + 32768) / 65536) = ((floor(2t / 65536)) + 1) &gt;&gt; 1, which <c>vpmulhw</c> of 2x by 26345 gives exactly; blue
    /// likewise with 2(Cb - 128) and -14942; green is -x + floor((-22554 (Cb - 128) + 18734 x + 32768) / 65536) from one
    /// <c>vpmaddwd</c>. The sums are clamped to 0..255 by unsigned saturation, as libjpeg's range limit does.
    /// </remarks>
    internal static void YCbCrToRgb(ReadOnlySpan<byte> yRow, ReadOnlySpan<byte> cbRow, ReadOnlySpan<byte> crRow, Span<byte> dst)
    {
        var n = yRow.Length;
        cbRow = cbRow[..n];
        crRow = crRow[..n];
        dst = dst[..(3 * n)];
        var x = 0;
        if (Avx2.IsSupported)
        {
            for (; x + 32 <= n; x += 32)
            {
                var y = Vector256.Create(yRow.Slice(x, 32));
                var cb = Vector256.Create(cbRow.Slice(x, 32));
                var cr = Vector256.Create(crRow.Slice(x, 32));
                var (r0, g0, b0) = Convert16(y.GetLower(), cb.GetLower(), cr.GetLower());
                var (r1, g1, b1) = Convert16(y.GetUpper(), cb.GetUpper(), cr.GetUpper());
                var r = Pack(r0, r1);
                var g = Pack(g0, g1);
                var b = Pack(b0, b1);
                var o = dst.Slice(3 * x, 96);
                Interleave16(r.GetLower(), g.GetLower(), b.GetLower(), o);
                Interleave16(r.GetUpper(), g.GetUpper(), b.GetUpper(), o[48..]);
            }
        }

        var crToR = s_crToR;
        var cbToB = s_cbToB;
        var crToG = s_crToG;
        var cbToG = s_cbToG;
        for (; x < n; x++)
        {
            int y = yRow[x];
            int cb = cbRow[x];
            int cr = crRow[x];
            dst[3 * x] = Clamp(y + crToR[cr]);
            dst[3 * x + 1] = Clamp(y + ((cbToG[cb] + crToG[cr]) >> ScaleBits));
            dst[3 * x + 2] = Clamp(y + cbToB[cb]);
        }
    }

    /// <summary>R, G, B of 16 pixels as unclamped 16-bit values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<short> R, Vector256<short> G, Vector256<short> B) Convert16(Vector128<byte> y8, Vector128<byte> cb8, Vector128<byte> cr8)
    {
        var center = Vector256.Create((short)128);
        var one = Vector256.Create((short)1);
        var y = Avx2.ConvertToVector256Int16(y8);
        var cb = Avx2.ConvertToVector256Int16(cb8) - center;
        var cr = Avx2.ConvertToVector256Int16(cr8) - center;

        var rTerm = (Avx2.MultiplyHigh(cr + cr, Vector256.Create(CrToRRest)) + one) >> 1;
        var bTerm = (Avx2.MultiplyHigh(cb + cb, Vector256.Create(CbToBRest)) + one) >> 1;

        var g = Vector256.Create(CbToG, CrToGRest, CbToG, CrToGRest, CbToG, CrToGRest, CbToG, CrToGRest,
            CbToG, CrToGRest, CbToG, CrToGRest, CbToG, CrToGRest, CbToG, CrToGRest);
        var half = Vector256.Create(OneHalf);
        var gLow = (Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(cb, cr), g) + half) >> ScaleBits;
        var gHigh = (Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(cb, cr), g) + half) >> ScaleBits;
        var gTerm = Avx2.PackSignedSaturate(gLow, gHigh);   // back in pixel order within each 128-bit lane

        return (y + cr + rTerm, y - cr + gTerm, y + cb + cb + bTerm);
    }

    /// <summary>Clamps two vectors of 16 values to 0..255 and packs them, in order, into 32 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Pack(Vector256<short> low, Vector256<short> high) =>
        Avx2.Permute4x64(Avx2.PackUnsignedSaturate(low, high).AsUInt64(), 0b11_01_10_00).AsByte();

    // pshufb masks that spread 16 R, G or B samples over three 16-byte blocks of RGB triples (0x80 = zero).
    private static readonly Vector128<byte>[] s_interleaveMasks = BuildInterleaveMasks();

    private static Vector128<byte>[] BuildInterleaveMasks()
    {
        var masks = new Vector128<byte>[9];
        Span<byte> m = stackalloc byte[16];
        for (var block = 0; block < 3; block++)
        {
            for (var channel = 0; channel < 3; channel++)
            {
                for (var i = 0; i < 16; i++)
                {
                    var j = 16 * block + i;
                    m[i] = j % 3 == channel ? (byte)(j / 3) : (byte)0x80;
                }
                masks[block * 3 + channel] = Vector128.Create((ReadOnlySpan<byte>)m);
            }
        }
        return masks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave16(Vector128<byte> r, Vector128<byte> g, Vector128<byte> b, Span<byte> dst)
    {
        var m = s_interleaveMasks;
        var o0 = Ssse3.Shuffle(r, m[0]) | Ssse3.Shuffle(g, m[1]) | Ssse3.Shuffle(b, m[2]);
        var o1 = Ssse3.Shuffle(r, m[3]) | Ssse3.Shuffle(g, m[4]) | Ssse3.Shuffle(b, m[5]);
        var o2 = Ssse3.Shuffle(r, m[6]) | Ssse3.Shuffle(g, m[7]) | Ssse3.Shuffle(b, m[8]);
        o0.CopyTo(dst);
        o1.CopyTo(dst[16..]);
        o2.CopyTo(dst[32..]);
    }

    /// <summary>Interleaves three planes' rows into RGB triples.</summary>
    internal static void Interleave(ReadOnlySpan<byte> r, ReadOnlySpan<byte> g, ReadOnlySpan<byte> b, Span<byte> dst)
    {
        var n = r.Length;
        g = g[..n];
        b = b[..n];
        dst = dst[..(3 * n)];
        var x = 0;
        if (Ssse3.IsSupported)
        {
            for (; x + 16 <= n; x += 16)
                Interleave16(Vector128.Create(r.Slice(x, 16)), Vector128.Create(g.Slice(x, 16)), Vector128.Create(b.Slice(x, 16)), dst.Slice(3 * x, 48));
        }
        for (; x < n; x++)
        {
            dst[3 * x] = r[x];
            dst[3 * x + 1] = g[x];
            dst[3 * x + 2] = b[x];
        }
    }

    private static byte Clamp(int v) => (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;
}
