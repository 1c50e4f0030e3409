using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.IO.Png;

/// <summary>
/// Fast paths of the PNG codec: row unfiltering and filtering, Adler-32 and CRC-32. This is the only file of the codec that uses
/// hardware intrinsics and unchecked (ref-based) memory access; each routine has a plain scalar twin that tests
/// compare it with (<see cref="PngFilter.Unfilter"/>, <see cref="PngFilter.Apply"/>, <see cref="PngAdler32.ComputeScalar"/>,
/// <see cref="PngCrc32.UpdateScalar"/>).
/// </summary>
/// <remarks>
/// Sub, Average and Paeth depend on the reconstructed pixel to the left, so a row cannot be vectorised along its
/// length. Instead, for 2 to 8 bytes per pixel, one whole pixel is reconstructed per step with its channels in the
/// lanes of a <see cref="Vector128{T}"/> (16-bit lanes, so sums cannot overflow): 8 bytes are loaded and stored per
/// step, and the lanes beyond the pixel get a zero predictor, which rewrites the bytes ahead of the pixel unchanged
/// (so in-place reconstruction stays correct). Up has no such dependency and is added 16 bytes at a time.
/// </remarks>
internal static class PngKernels
{
    /// <summary>Same contract as <see cref="PngFilter.Unfilter"/>: <paramref name="src"/> and <paramref name="dst"/> may be the same memory.</summary>
    public static void Unfilter(int filter, ReadOnlySpan<byte> src, Span<byte> dst, ReadOnlySpan<byte> prev, int bpp)
    {
        var n = src.Length;
        if (dst.Length < n || prev.Length < n || bpp is < 1 or > 8)
            throw new ArgumentException("rows must be as long as the source and bpp 1 to 8");
        if (!Vector128.IsHardwareAccelerated)
        {
            PngFilter.Unfilter(filter, src, dst, prev, bpp);
            return;
        }
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(dst);
        ref var p = ref MemoryMarshal.GetReference(prev);
        switch (filter)
        {
            case PngFilter.None:
                src.CopyTo(dst);
                break;
            case PngFilter.Sub:
                if (bpp == 1)
                    SubBpp1(ref s, ref d, n);
                else
                    Sub(ref s, ref d, n, bpp);
                break;
            case PngFilter.Up:
                Up(ref s, ref d, ref p, n);
                break;
            case PngFilter.Average:
                if (bpp == 1)
                    AverageBpp1(ref s, ref d, ref p, n);
                else
                    Average(ref s, ref d, ref p, n, bpp);
                break;
            case PngFilter.Paeth:
                if (bpp == 1)
                    PaethBpp1(ref s, ref d, ref p, n);
                else
                    Paeth(ref s, ref d, ref p, n, bpp);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter types are 0 to 4");
        }
    }

    private static void SubBpp1(ref byte s, ref byte d, int n)
    {
        var a = 0;
        for (nint i = 0; i < n; i++)
        {
            a = (byte)(Unsafe.Add(ref s, i) + a);
            Unsafe.Add(ref d, i) = (byte)a;
        }
    }

    private static void Sub(ref byte s, ref byte d, int n, int bpp)
    {
        var keep = Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)bpp));
        var a = Vector128<byte>.Zero;
        nint i = 0;
        for (; i + 8 <= n; i += bpp)
        {
            a = (a & keep) + Load8(ref Unsafe.Add(ref s, i));
            Store8(ref Unsafe.Add(ref d, i), a);
        }
        ScalarTail(PngFilter.Sub, ref s, ref d, ref Unsafe.NullRef<byte>(), n, bpp, i);
    }

    private static void Up(ref byte s, ref byte d, ref byte p, int n)
    {
        nint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var sum = Vector128.LoadUnsafe(ref s, (nuint)i) + Vector128.LoadUnsafe(ref p, (nuint)i);
            sum.StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref s, i) + Unsafe.Add(ref p, i));
    }

    private static void AverageBpp1(ref byte s, ref byte d, ref byte p, int n)
    {
        var a = 0;
        for (nint i = 0; i < n; i++)
        {
            a = (byte)(Unsafe.Add(ref s, i) + ((a + Unsafe.Add(ref p, i)) >> 1));
            Unsafe.Add(ref d, i) = (byte)a;
        }
    }

    private static void Average(ref byte s, ref byte d, ref byte p, int n, int bpp)
    {
        var keep = PixelMask(bpp);
        var low = Vector128.Create((short)0xFF);
        var a = Vector128<short>.Zero;
        nint i = 0;
        for (; i + 8 <= n; i += bpp)
        {
            var x = Widen8(ref Unsafe.Add(ref s, i));
            var b = Widen8(ref Unsafe.Add(ref p, i));
            var predictor = Vector128.ShiftRightLogical(a + b, 1) & keep;
            a = (x + predictor) & low;
            Store8(ref Unsafe.Add(ref d, i), Vector128.Narrow(a.AsUInt16(), a.AsUInt16()));
        }
        ScalarTail(PngFilter.Average, ref s, ref d, ref p, n, bpp, i);
    }

    private static void PaethBpp1(ref byte s, ref byte d, ref byte p, int n)
    {
        int a = 0, c = 0;
        for (nint i = 0; i < n; i++)
        {
            int b = Unsafe.Add(ref p, i);
            a = (byte)(Unsafe.Add(ref s, i) + PaethBranchless(a, b, c));
            Unsafe.Add(ref d, i) = (byte)a;
            c = b;
        }
    }

    private static void Paeth(ref byte s, ref byte d, ref byte p, int n, int bpp)
    {
        var keep = PixelMask(bpp);
        var low = Vector128.Create((short)0xFF);
        Vector128<short> a = Vector128<short>.Zero, c = Vector128<short>.Zero;
        nint i = 0;
        for (; i + 8 <= n; i += bpp)
        {
            var x = Widen8(ref Unsafe.Add(ref s, i));
            var b = Widen8(ref Unsafe.Add(ref p, i));
            // p = a + b - c; |p - a| = |b - c|, |p - b| = |a - c|, |p - c| = |(b - c) + (a - c)|.
            var bc = b - c;
            var ac = a - c;
            var pa = Vector128.Abs(bc);
            var pb = Vector128.Abs(ac);
            var pc = Vector128.Abs(bc + ac);
            var useA = Vector128.LessThanOrEqual(pa, pb) & Vector128.LessThanOrEqual(pa, pc);
            var bOrC = Vector128.ConditionalSelect(Vector128.LessThanOrEqual(pb, pc), b, c);
            var predictor = Vector128.ConditionalSelect(useA, a, bOrC) & keep;
            a = (x + predictor) & low;
            Store8(ref Unsafe.Add(ref d, i), Vector128.Narrow(a.AsUInt16(), a.AsUInt16()));
            c = b;
        }
        ScalarTail(PngFilter.Paeth, ref s, ref d, ref p, n, bpp, i);
    }

    /// <summary>Finishes a row from byte <paramref name="start"/> (the left neighbours before it are already reconstructed).</summary>
    private static void ScalarTail(int filter, ref byte s, ref byte d, ref byte p, int n, int bpp, nint start)
    {
        for (var i = start; i < n; i++)
        {
            int a = i >= bpp ? Unsafe.Add(ref d, i - bpp) : 0;
            var predictor = filter switch
            {
                PngFilter.Sub => a,
                PngFilter.Average => (a + Unsafe.Add(ref p, i)) >> 1,
                _ => PaethBranchless(a, Unsafe.Add(ref p, i), i >= bpp ? Unsafe.Add(ref p, i - bpp) : 0),
            };
            Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref s, i) + predictor);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PaethBranchless(int a, int b, int c)
    {
        int pa = b - c, pb = a - c, pc = pa + pb;
        int sa = pa >> 31, sb = pb >> 31, sc = pc >> 31;
        pa = (pa ^ sa) - sa;
        pb = (pb ^ sb) - sb;
        pc = (pc ^ sc) - sc;
        var bOrC = pb <= pc ? b : c;
        return (pa <= pb) & (pa <= pc) ? a : bOrC;
    }

    /// <summary>All-ones in the 16-bit lanes that belong to the pixel (the first <paramref name="bpp"/>), zero beyond.</summary>
    private static Vector128<short> PixelMask(int bpp) =>
        Vector128.LessThan(Vector128.Create((short)0, 1, 2, 3, 4, 5, 6, 7), Vector128.Create((short)bpp));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Load8(ref byte source) =>
        Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref source)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Widen8(ref byte source) => Vector128.WidenLower(Load8(ref source)).AsInt16();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(ref byte destination, Vector128<byte> value) =>
        Unsafe.WriteUnaligned(ref destination, value.AsUInt64().ToScalar());

    /// <summary>
    /// Same contract as <see cref="PngFilter.Apply"/>. Filtering reads only unfiltered bytes, so there is no
    /// dependency along the row: Sub, Up and Average take 16 bytes per step, Paeth 8 (in 16-bit lanes).
    /// </summary>
    public static void Filter(int filter, ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, Span<byte> dst, int bpp)
    {
        var n = cur.Length;
        if (dst.Length < n || prev.Length < n || bpp is < 1 or > 8)
            throw new ArgumentException("rows must be as long as the source and bpp 1 to 8");
        if (!Vector128.IsHardwareAccelerated || filter == PngFilter.None || n < bpp + 16)
        {
            PngFilter.Apply(filter, cur, prev, dst, bpp);
            return;
        }
        // The first pixel has no left neighbour; the reference handles it.
        PngFilter.Apply(filter, cur[..bpp], prev[..bpp], dst, bpp);
        ref var x = ref MemoryMarshal.GetReference(cur);
        ref var b = ref MemoryMarshal.GetReference(prev);
        ref var d = ref MemoryMarshal.GetReference(dst);
        // Left neighbours are read at i - bpp (never through a ref that points before the buffer).
        nint i = bpp;
        switch (filter)
        {
            case PngFilter.Sub:
                for (; i + 16 <= n; i += 16)
                    (Vector128.LoadUnsafe(ref x, (nuint)i) - Vector128.LoadUnsafe(ref x, (nuint)(i - bpp))).StoreUnsafe(ref d, (nuint)i);
                break;
            case PngFilter.Up:
                for (; i + 16 <= n; i += 16)
                    (Vector128.LoadUnsafe(ref x, (nuint)i) - Vector128.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
                break;
            case PngFilter.Average:
                for (; i + 16 <= n; i += 16)
                {
                    var va = Vector128.LoadUnsafe(ref x, (nuint)(i - bpp));
                    var vb = Vector128.LoadUnsafe(ref b, (nuint)i);
                    // floor((a + b) / 2) without overflow: (a & b) + ((a ^ b) >> 1).
                    var average = (va & vb) + Vector128.ShiftRightLogical(va ^ vb, 1);
                    (Vector128.LoadUnsafe(ref x, (nuint)i) - average).StoreUnsafe(ref d, (nuint)i);
                }
                break;
            default:
                for (; i + 8 <= n; i += 8)
                {
                    var va = Widen8(ref Unsafe.Add(ref x, i - bpp));
                    var vb = Widen8(ref Unsafe.Add(ref b, i));
                    var vc = Widen8(ref Unsafe.Add(ref b, i - bpp));
                    var bc = vb - vc;
                    var ac = va - vc;
                    var pa = Vector128.Abs(bc);
                    var pb = Vector128.Abs(ac);
                    var pc = Vector128.Abs(bc + ac);
                    var useA = Vector128.LessThanOrEqual(pa, pb) & Vector128.LessThanOrEqual(pa, pc);
                    var predictor = Vector128.ConditionalSelect(useA, va, Vector128.ConditionalSelect(Vector128.LessThanOrEqual(pb, pc), vb, vc));
                    var packed = Vector128.Narrow(predictor.AsUInt16(), predictor.AsUInt16());
                    Store8(ref Unsafe.Add(ref d, i), Load8(ref Unsafe.Add(ref x, i)) - packed);
                }
                break;
        }
        for (; i < n; i++)
        {
            int va = Unsafe.Add(ref x, i - bpp), vb = Unsafe.Add(ref b, i);
            var predictor = filter switch
            {
                PngFilter.Sub => va,
                PngFilter.Up => vb,
                PngFilter.Average => (va + vb) >> 1,
                _ => PaethBranchless(va, vb, Unsafe.Add(ref b, i - bpp)),
            };
            Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref x, i) - predictor);
        }
    }

    /// <summary>Same result as <see cref="PngFilter.SumOfAbsoluteDifferences"/>: bytes as signed values, absolute, summed (PSADBW on x86).</summary>
    public static long SumOfAbsoluteValues(ReadOnlySpan<byte> filtered)
    {
        if (!Sse2.IsSupported || filtered.Length < 16)
            return PngFilter.SumOfAbsoluteDifferences(filtered);
        ref var r = ref MemoryMarshal.GetReference(filtered);
        var sums = Vector128<ulong>.Zero;
        nint i = 0;
        for (; i + 16 <= filtered.Length; i += 16)
        {
            var magnitude = Vector128.Abs(Vector128.LoadUnsafe(ref r, (nuint)i).AsSByte()).AsByte();
            sums += Sse2.SumAbsoluteDifferences(magnitude, Vector128<byte>.Zero).AsUInt64();
        }
        return (long)(sums.GetElement(0) + sums.GetElement(1)) + PngFilter.SumOfAbsoluteDifferences(filtered[(int)i..]);
    }

    /// <summary>Adler-32 running sums over <paramref name="data"/> with SSSE3, starting from <paramref name="adler"/>.</summary>
    /// <remarks>
    /// Per 16-byte block: <c>s1 += sum(x)</c> and <c>s2 += 16 s1 + sum((16 - j) x_j)</c>. The byte sum uses PSADBW,
    /// the weighted sum PMADDUBSW + PMADDWD; the <c>16 s1</c> terms are collected as a running sum of s1 and scaled at
    /// the end of each run of at most 5552 bytes, after which both sums are reduced modulo 65521.
    /// </remarks>
    public static uint Adler32(uint adler, ReadOnlySpan<byte> data)
    {
        if (!Ssse3.IsSupported)
            return PngAdler32.UpdateScalar(adler, data);
        const uint Base = 65521;
        const int BlocksPerRun = 5552 / 16;
        uint s1 = adler & 0xFFFF, s2 = adler >> 16;
        ref var r = ref MemoryMarshal.GetReference(data);
        nint i = 0, n = data.Length;
        var weights = Vector128.Create(16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, (sbyte)1);
        var ones = Vector128.Create((short)1);
        while (n - i >= 16)
        {
            var blocks = (int)Math.Min((n - i) / 16, BlocksPerRun);
            var vs1 = Vector128<uint>.Zero;
            var vs2 = Vector128<uint>.Zero;
            var vPrefix = Vector128<uint>.Zero;
            for (var k = 0; k < blocks; k++, i += 16)
            {
                var x = Vector128.LoadUnsafe(ref r, (nuint)i);
                vPrefix += vs1;
                vs1 += Sse2.SumAbsoluteDifferences(x, Vector128<byte>.Zero).AsUInt32();
                vs2 += Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(x, weights), ones).AsUInt32();
            }
            // s2 gains 16 * s1 for each block (s1 as it stood before the run), plus 16 * the within-run prefix sums.
            s2 += (uint)blocks * 16 * s1 + 16 * Vector128.Sum(vPrefix) + Vector128.Sum(vs2);
            s1 += Vector128.Sum(vs1);
            s1 %= Base;
            s2 %= Base;
        }
        return PngAdler32.UpdateScalar(s2 << 16 | s1, data[(int)i..]);
    }

    /// <summary>Continues a pre-inverted CRC-32 over <paramref name="data"/> by carry-less multiplication folding.</summary>
    /// <remarks>
    /// Folding as in Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Intel, 2009),
    /// in the bit-reflected domain: four 128-bit lanes are folded 64 bytes at a time, merged into one, folded over the
    /// remaining 16-byte blocks, reduced to 64 and then 32 bits (Barrett). Bytes after the last whole 16-byte block go through the table.
    /// </remarks>
    public static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        if (!Pclmulqdq.IsSupported || !Sse41.IsSupported || data.Length < 64)
            return PngCrc32.UpdateScalar(crc, data);
        // x^(k) mod P(x) for the fold distances, bit-reflected and shifted, and the Barrett pair (P', mu).
        var k1k2 = Vector128.Create(0x0154442bd4UL, 0x01c6e41596UL);
        var k3k4 = Vector128.Create(0x01751997d0UL, 0x00ccaa009eUL);
        var k5 = Vector128.Create(0x0163cd6124UL, 0UL);
        var poly = Vector128.Create(0x01db710641UL, 0x01f7011641UL);
        var low32 = Vector128.Create(~0u, 0u, ~0u, 0u).AsUInt64();

        ref var r = ref MemoryMarshal.GetReference(data);
        nint i = 0, n = data.Length;
        var x1 = Vector128.LoadUnsafe(ref r, 0).AsUInt64() ^ Vector128.CreateScalar(crc).AsUInt64();
        var x2 = Vector128.LoadUnsafe(ref r, 16).AsUInt64();
        var x3 = Vector128.LoadUnsafe(ref r, 32).AsUInt64();
        var x4 = Vector128.LoadUnsafe(ref r, 48).AsUInt64();
        for (i = 64; n - i >= 64; i += 64)
        {
            x1 = Fold(x1, k1k2) ^ Vector128.LoadUnsafe(ref r, (nuint)i).AsUInt64();
            x2 = Fold(x2, k1k2) ^ Vector128.LoadUnsafe(ref r, (nuint)i + 16).AsUInt64();
            x3 = Fold(x3, k1k2) ^ Vector128.LoadUnsafe(ref r, (nuint)i + 32).AsUInt64();
            x4 = Fold(x4, k1k2) ^ Vector128.LoadUnsafe(ref r, (nuint)i + 48).AsUInt64();
        }
        x1 = Fold(x1, k3k4) ^ x2;
        x1 = Fold(x1, k3k4) ^ x3;
        x1 = Fold(x1, k3k4) ^ x4;
        for (; n - i >= 16; i += 16)
            x1 = Fold(x1, k3k4) ^ Vector128.LoadUnsafe(ref r, (nuint)i).AsUInt64();

        // 128 -> 64 bits.
        var t = Pclmulqdq.CarrylessMultiply(x1, k3k4, 0x10);
        x1 = Sse2.ShiftRightLogical128BitLane(x1, 8) ^ t;
        t = Sse2.ShiftRightLogical128BitLane(x1, 4);
        x1 = Pclmulqdq.CarrylessMultiply(x1 & low32, k5, 0x00) ^ t;
        // Barrett reduction to 32 bits.
        t = Pclmulqdq.CarrylessMultiply(x1 & low32, poly, 0x10);
        t = Pclmulqdq.CarrylessMultiply(t & low32, poly, 0x00);
        var folded = (x1 ^ t).AsUInt32().GetElement(1);
        return PngCrc32.UpdateScalar(folded, data[(int)i..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11);
}
