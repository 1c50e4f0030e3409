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

    private static readonly int s_crToRFactor = Fix(1.40200);
    private static readonly int s_cbToBFactor = Fix(1.77200);
    private static readonly int s_crToGFactor = -Fix(0.71414);
    private static readonly int s_cbToGFactor = -Fix(0.34414);

    /// <summary>Converts one row from YCbCr; 32 pixels at a time with AVX2, the rest (or everything without it) through libjpeg's tables.</summary>
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
                var (r0, g0, b0) = Convert8(y.GetLower(), cb.GetLower(), cr.GetLower());
                var (r1, g1, b1) = Convert8(Sse2.ShiftRightLogical128BitLane(y.GetLower(), 8), Sse2.ShiftRightLogical128BitLane(cb.GetLower(), 8), Sse2.ShiftRightLogical128BitLane(cr.GetLower(), 8));
                var (r2, g2, b2) = Convert8(y.GetUpper(), cb.GetUpper(), cr.GetUpper());
                var (r3, g3, b3) = Convert8(Sse2.ShiftRightLogical128BitLane(y.GetUpper(), 8), Sse2.ShiftRightLogical128BitLane(cb.GetUpper(), 8), Sse2.ShiftRightLogical128BitLane(cr.GetUpper(), 8));
                var r = Vector256.Narrow(Vector256.Narrow(r0, r1), Vector256.Narrow(r2, r3)).AsByte();
                var g = Vector256.Narrow(Vector256.Narrow(g0, g1), Vector256.Narrow(g2, g3)).AsByte();
                var b = Vector256.Narrow(Vector256.Narrow(b0, b1), Vector256.Narrow(b2, b3)).AsByte();
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

    /// <summary>The table formulas evaluated on 8 pixels (low 8 bytes of each input), clamped to 0..255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<int> R, Vector256<int> G, Vector256<int> B) Convert8(Vector128<byte> y8, Vector128<byte> cb8, Vector128<byte> cr8)
    {
        var center = Vector256.Create(128);
        var half = Vector256.Create(OneHalf);
        var y = Avx2.ConvertToVector256Int32(y8);
        var cb = Avx2.ConvertToVector256Int32(cb8) - center;
        var cr = Avx2.ConvertToVector256Int32(cr8) - center;
        var r = y + ((cr * s_crToRFactor + half) >> ScaleBits);
        var g = y + ((cb * s_cbToGFactor + half + cr * s_crToGFactor) >> ScaleBits);
        var b = y + ((cb * s_cbToBFactor + half) >> ScaleBits);
        var max = Vector256.Create(255);
        return (Vector256.Min(Vector256.Max(r, Vector256<int>.Zero), max),
            Vector256.Min(Vector256.Max(g, Vector256<int>.Zero), max),
            Vector256.Min(Vector256.Max(b, Vector256<int>.Zero), max));
    }

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
