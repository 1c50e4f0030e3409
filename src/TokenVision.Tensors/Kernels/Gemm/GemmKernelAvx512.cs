using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>AVX-512 SGEMM micro-kernel: 8 x 48 register tile (24 zmm accumulators), with narrower tiles for the last columns and masked stores at the edges.</summary>
/// <remarks>
/// Tile shapes measured on an Ice Lake core (in-cache micro-kernel, KC = 256-384, GFLOP/s): 8x48 170-185,
/// 6x64 172-189, 9x48 156-187, 14x32 159-176, 12x32 157-179, 8x32 147-165. 8 x 48 is kept: it is among the
/// fastest, its A panels pack as 8 x 8 transposes, and M = 1576 (8 x 197 tokens) has no ragged row tile.
/// KC = NC = 384 measured best among KC 192-512, NC 256-768: the A panel (12 KB) stays in L1 and the
/// B block (576 KB) in L2.
/// </remarks>
internal readonly unsafe struct GemmKernelAvx512 : IGemmKernel
{
    /// <inheritdoc/>
    public static int Mr => 8;

    /// <inheritdoc/>
    public static int Nr => 48;

    /// <inheritdoc/>
    public static int Kc => 384;

    /// <inheritdoc/>
    public static int Nc => 384;

    /// <inheritdoc/>
    public static IsaLevel Isa => IsaLevel.Avx512;

    /// <inheritdoc/>
    public static int PanelWidth(int cols) => cols <= 16 ? 16 : cols <= 32 ? 32 : 48;

    /// <inheritdoc/>
    public static void Tile(int kc, float* a, float* b, int width, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        if (width == 48)
            Tile48(kc, a, b, c, ldc, args, rows, cols);
        else if (width == 32)
            Tile32(kc, a, b, c, ldc, args, rows, cols);
        else
            Tile16(kc, a, b, c, ldc, args, rows, cols);
    }

    // A packed panel: row r at a + r, the next depth Mr floats on.
    private static void Tile48(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols) =>
        Sweep48(kc, a, 1, 8, b, c, ldc, args, rows, cols);

    /// <inheritdoc/>
    public static void TileRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols) =>
        Sweep48(kc, a, lda, 1, b, c, ldc, args, rows, cols);

    // The 8 x 48 tile over kc steps of depth: row r of A starts at a + r * rowStride and its next depth is `step`
    // floats on (a packed panel or A in place, the same multiply-adds). Rows past the edge repeat the last row
    // (their results are not stored).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sweep48(int kc, float* a, nint rowStride, nint step, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        var a0 = a;
        var a1 = a + Math.Min(1, rows - 1) * rowStride;
        var a2 = a + Math.Min(2, rows - 1) * rowStride;
        var a3 = a + Math.Min(3, rows - 1) * rowStride;
        var a4 = a + Math.Min(4, rows - 1) * rowStride;
        var a5 = a + Math.Min(5, rows - 1) * rowStride;
        var a6 = a + Math.Min(6, rows - 1) * rowStride;
        var a7 = a + Math.Min(7, rows - 1) * rowStride;
        Vector512<float> c00 = default, c01 = default, c02 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default;
        Vector512<float> c70 = default, c71 = default, c72 = default;
        for (nint p = 0, end = kc * step; p < end; p += step)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var b2 = Vector512.Load(b + 32);
            { var x = Vector512.Create(a0[p]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01); c02 = Avx512F.FusedMultiplyAdd(x, b2, c02); }
            { var x = Vector512.Create(a1[p]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11); c12 = Avx512F.FusedMultiplyAdd(x, b2, c12); }
            { var x = Vector512.Create(a2[p]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21); c22 = Avx512F.FusedMultiplyAdd(x, b2, c22); }
            { var x = Vector512.Create(a3[p]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31); c32 = Avx512F.FusedMultiplyAdd(x, b2, c32); }
            { var x = Vector512.Create(a4[p]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41); c42 = Avx512F.FusedMultiplyAdd(x, b2, c42); }
            { var x = Vector512.Create(a5[p]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51); c52 = Avx512F.FusedMultiplyAdd(x, b2, c52); }
            { var x = Vector512.Create(a6[p]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61); c62 = Avx512F.FusedMultiplyAdd(x, b2, c62); }
            { var x = Vector512.Create(a7[p]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71); c72 = Avx512F.FusedMultiplyAdd(x, b2, c72); }
            b += 48;
        }
        Store48(c, ldc, args, rows, cols, c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72);
    }

    // Writes the 8 x 48 accumulators (rows x cols of them) as C = alpha * acc + beta * C + bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store48(float* c, nint ldc, in GemmTileArgs args, int rows, int cols,
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c02, Vector512<float> c10, Vector512<float> c11, Vector512<float> c12, Vector512<float> c20, Vector512<float> c21, Vector512<float> c22, Vector512<float> c30, Vector512<float> c31, Vector512<float> c32, Vector512<float> c40, Vector512<float> c41, Vector512<float> c42, Vector512<float> c50, Vector512<float> c51, Vector512<float> c52, Vector512<float> c60, Vector512<float> c61, Vector512<float> c62, Vector512<float> c70, Vector512<float> c71, Vector512<float> c72)
    {
        var alpha = Vector512.Create(args.Alpha);
        var beta = Vector512.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 8 && cols == 48)
        {
            var bias0 = useBias ? Vector512.Load(bias + 0) : default;
            var bias1 = useBias ? Vector512.Load(bias + 16) : default;
            var bias2 = useBias ? Vector512.Load(bias + 32) : default;
            Out(c + 0, c00, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c01, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c02, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c10, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c11, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c12, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c20, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c21, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c22, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c30, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c31, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c32, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c40, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c41, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c42, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c50, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c51, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c52, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c60, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c61, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c62, alpha, beta, useBeta, bias2, useBias);
            c += ldc;
            Out(c + 0, c70, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c71, alpha, beta, useBeta, bias1, useBias); Out(c + 32, c72, alpha, beta, useBeta, bias2, useBias);
            return;
        }
        var m0 = Mask(cols - 0);
        var m1 = Mask(cols - 16);
        var m2 = Mask(cols - 32);
        var edgeBias0 = useBias ? MaskLoad(bias + 0, m0) : default;
        var edgeBias1 = useBias ? MaskLoad(bias + 16, m1) : default;
        var edgeBias2 = useBias ? MaskLoad(bias + 32, m2) : default;
        OutMasked(c + 0, c00, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c01, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c02, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 1)
            return;
        c += ldc;
        OutMasked(c + 0, c10, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c11, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c12, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 2)
            return;
        c += ldc;
        OutMasked(c + 0, c20, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c21, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c22, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 3)
            return;
        c += ldc;
        OutMasked(c + 0, c30, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c31, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c32, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 4)
            return;
        c += ldc;
        OutMasked(c + 0, c40, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c41, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c42, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 5)
            return;
        c += ldc;
        OutMasked(c + 0, c50, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c51, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c52, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 6)
            return;
        c += ldc;
        OutMasked(c + 0, c60, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c61, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c62, alpha, beta, useBeta, edgeBias2, useBias, m2);
        if (rows == 7)
            return;
        c += ldc;
        OutMasked(c + 0, c70, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c71, alpha, beta, useBeta, edgeBias1, useBias, m1); OutMasked(c + 32, c72, alpha, beta, useBeta, edgeBias2, useBias, m2);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile32(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (; kc > 0; kc--)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            { var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01); }
            { var x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11); }
            { var x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21); }
            { var x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31); }
            { var x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41); }
            { var x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51); }
            { var x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61); }
            { var x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71); }
            a += 8;
            b += 32;
        }
        var alpha = Vector512.Create(args.Alpha);
        var beta = Vector512.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 8 && cols == 32)
        {
            var bias0 = useBias ? Vector512.Load(bias + 0) : default;
            var bias1 = useBias ? Vector512.Load(bias + 16) : default;
            Out(c + 0, c00, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c01, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c10, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c11, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c20, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c21, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c30, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c31, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c40, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c41, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c50, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c51, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c60, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c61, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c70, alpha, beta, useBeta, bias0, useBias); Out(c + 16, c71, alpha, beta, useBeta, bias1, useBias);
            return;
        }
        var m0 = Mask(cols - 0);
        var m1 = Mask(cols - 16);
        var edgeBias0 = useBias ? MaskLoad(bias + 0, m0) : default;
        var edgeBias1 = useBias ? MaskLoad(bias + 16, m1) : default;
        OutMasked(c + 0, c00, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c01, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 1)
            return;
        c += ldc;
        OutMasked(c + 0, c10, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c11, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 2)
            return;
        c += ldc;
        OutMasked(c + 0, c20, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c21, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 3)
            return;
        c += ldc;
        OutMasked(c + 0, c30, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c31, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 4)
            return;
        c += ldc;
        OutMasked(c + 0, c40, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c41, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 5)
            return;
        c += ldc;
        OutMasked(c + 0, c50, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c51, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 6)
            return;
        c += ldc;
        OutMasked(c + 0, c60, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c61, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 7)
            return;
        c += ldc;
        OutMasked(c + 0, c70, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 16, c71, alpha, beta, useBeta, edgeBias1, useBias, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile16(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        Vector512<float> c00 = default;
        Vector512<float> c10 = default;
        Vector512<float> c20 = default;
        Vector512<float> c30 = default;
        Vector512<float> c40 = default;
        Vector512<float> c50 = default;
        Vector512<float> c60 = default;
        Vector512<float> c70 = default;
        for (; kc > 0; kc--)
        {
            var b0 = Vector512.Load(b + 0);
            { var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); }
            { var x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); }
            { var x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); }
            { var x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); }
            { var x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); }
            { var x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); }
            { var x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); }
            { var x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); }
            a += 8;
            b += 16;
        }
        var alpha = Vector512.Create(args.Alpha);
        var beta = Vector512.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 8 && cols == 16)
        {
            var bias0 = useBias ? Vector512.Load(bias + 0) : default;
            Out(c + 0, c00, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c10, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c20, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c30, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c40, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c50, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c60, alpha, beta, useBeta, bias0, useBias);
            c += ldc;
            Out(c + 0, c70, alpha, beta, useBeta, bias0, useBias);
            return;
        }
        var m0 = Mask(cols - 0);
        var edgeBias0 = useBias ? MaskLoad(bias + 0, m0) : default;
        OutMasked(c + 0, c00, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 1)
            return;
        c += ldc;
        OutMasked(c + 0, c10, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 2)
            return;
        c += ldc;
        OutMasked(c + 0, c20, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 3)
            return;
        c += ldc;
        OutMasked(c + 0, c30, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 4)
            return;
        c += ldc;
        OutMasked(c + 0, c40, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 5)
            return;
        c += ldc;
        OutMasked(c + 0, c50, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 6)
            return;
        c += ldc;
        OutMasked(c + 0, c60, alpha, beta, useBeta, edgeBias0, useBias, m0);
        if (rows == 7)
            return;
        c += ldc;
        OutMasked(c + 0, c70, alpha, beta, useBeta, edgeBias0, useBias, m0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Out(float* dst, Vector512<float> acc, Vector512<float> alpha, Vector512<float> beta, bool useBeta, Vector512<float> bias, bool useBias)
    {
        var v = acc * alpha;
        if (useBeta)
            v = Avx512F.FusedMultiplyAdd(Vector512.Load(dst), beta, v);
        if (useBias)
            v += bias;
        Vector512.Store(v, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutMasked(float* dst, Vector512<float> acc, Vector512<float> alpha, Vector512<float> beta, bool useBeta, Vector512<float> bias, bool useBias, Vector512<float> mask)
    {
        var v = acc * alpha;
        if (useBeta)
            v = Avx512F.FusedMultiplyAdd(MaskLoad(dst, mask), beta, v);
        if (useBias)
            v += bias;
        Avx512F.MaskStore(dst, mask, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MaskLoad(float* src, Vector512<float> mask) => Avx512F.MaskLoad(src, mask, default);

    // Lanes [0, count) set.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mask(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
}
