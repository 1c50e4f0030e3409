using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Packs blocks of A and B into the panel layout the micro-kernels read: a panel of width W holds
/// <c>dst[p * W + l]</c> for depth p and line l (a row of op(A) or a column of op(B)); lines past the matrix edge
/// are zero. Two source layouts occur: lines contiguous within a depth step ("copy"), or depth contiguous
/// within a line ("transpose", done in 8 x 8 AVX blocks).
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs rows [i0, i0 + rows) x depth [p0, p0 + kc) of op(A) into one panel of width <paramref name="width"/>.</summary>
    public static void PackA(in GemmProblem p, int i0, int rows, int p0, int kc, int width, bool avx, float* dst)
    {
        if (p.TransA)
            Copy(p.A + (nint)p0 * p.Lda + i0, p.Lda, rows, kc, width, avx, dst);
        else
            Transpose(p.A + (nint)i0 * p.Lda + p0, p.Lda, rows, kc, width, avx, dst);
    }

    /// <summary>Packs depth [p0, p0 + kc) x columns [j0, j0 + cols) of op(B) into one panel of width <paramref name="width"/>.</summary>
    public static void PackB(in GemmProblem p, int p0, int kc, int j0, int cols, int width, bool avx, float* dst)
    {
        if (p.TransB)
            Transpose(p.B + (nint)j0 * p.Ldb + p0, p.Ldb, cols, kc, width, avx, dst);
        else
            Copy(p.B + (nint)p0 * p.Ldb + j0, p.Ldb, cols, kc, width, avx, dst);
    }

    /// <summary>Line l of depth step q is <c>src[q * ld + l]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy(float* src, nint ld, int lines, int kc, int width, bool avx, float* dst)
    {
        for (var q = 0; q < kc; q++, src += ld, dst += width)
        {
            var l = 0;
            if (avx)
            {
                for (; l + 8 <= lines; l += 8)
                    Vector256.Store(Vector256.Load(src + l), dst + l);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                for (; l + 4 <= lines; l += 4)
                    Vector128.Store(Vector128.Load(src + l), dst + l);
            }
            for (; l < lines; l++)
                dst[l] = src[l];
            for (; l < width; l++)
                dst[l] = 0f;
        }
    }

    /// <summary>Line l of depth step q is <c>src[l * ld + q]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(float* src, nint ld, int lines, int kc, int width, bool avx, float* dst)
    {
        var l = 0;
        if (avx && Avx.IsSupported)
        {
            // Blocks of 8 lines; a last block of 4 to 7 lines is transposed with zero rows. Its extra lanes land
            // either in padding (zeroed below) or, when the panel is narrower than 8, at the start of the next
            // depth step, which a later store overwrites (the buffers have slack for the last one).
            while (lines - l >= 4)
            {
                var count = Math.Min(8, lines - l);
                var s = src + l * ld;
                var q = 0;
                for (; q + 8 <= kc; q += 8)
                    Transpose8x8(s + q, ld, count, dst + (nint)q * width + l, width);
                for (; q < kc; q++)
                {
                    var d = dst + (nint)q * width + l;
                    for (var r = 0; r < count; r++)
                        d[r] = s[r * ld + q];
                }
                l += count;
            }
        }
        for (; l < lines; l++)
        {
            var s = src + l * ld;
            var d = dst + l;
            for (var q = 0; q < kc; q++)
                d[(nint)q * width] = s[q];
        }
        if (lines < width)
        {
            for (var q = 0; q < kc; q++)
            {
                var d = dst + (nint)q * width;
                for (var z = lines; z < width; z++)
                    d[z] = 0f;
            }
        }
    }

    // Reads rows r = 0..rows-1 of src (8 floats each, stride ld; rows 4 to 8, missing rows read as zero) and
    // writes column c as 8 floats at dst + c * ldd.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint ld, int rows, float* dst, nint ldd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + ld);
        var r2 = Avx.LoadVector256(src + 2 * ld);
        var r3 = Avx.LoadVector256(src + 3 * ld);
        var r4 = rows > 4 ? Avx.LoadVector256(src + 4 * ld) : Vector256<float>.Zero;
        var r5 = rows > 5 ? Avx.LoadVector256(src + 5 * ld) : Vector256<float>.Zero;
        var r6 = rows > 6 ? Avx.LoadVector256(src + 6 * ld) : Vector256<float>.Zero;
        var r7 = rows > 7 ? Avx.LoadVector256(src + 7 * ld) : Vector256<float>.Zero;
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
