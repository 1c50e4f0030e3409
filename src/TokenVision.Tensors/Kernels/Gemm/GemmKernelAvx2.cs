using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>AVX2 + FMA SGEMM micro-kernel: 6 x 16 register tile (12 ymm accumulators), with a 6 x 8 tile for the last columns and masked stores at the edges.</summary>
internal readonly unsafe struct GemmKernelAvx2 : IGemmKernel
{
    /// <inheritdoc/>
    public static int Mr => 6;

    /// <inheritdoc/>
    public static int Nr => 16;

    /// <inheritdoc/>
    public static int Kc => 256;

    /// <inheritdoc/>
    public static int Nc => 512;

    /// <inheritdoc/>
    public static bool PackWithAvx => true;

    /// <inheritdoc/>
    public static int PanelWidth(int cols) => cols <= 8 ? 8 : 16;

    /// <inheritdoc/>
    public static void Tile(int kc, float* a, float* b, int width, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        if (width == 16)
            Tile16(kc, a, b, c, ldc, args, rows, cols);
        else
            Tile8(kc, a, b, c, ldc, args, rows, cols);
    }

    /// <inheritdoc/>
    public static void Activate(float* row, int count, ActivationKind activation)
    {
        switch (activation)
        {
            case ActivationKind.Relu: UnaryKernel.Apply256<ReluOp>(row, row, count); break;
            case ActivationKind.GeluErf: UnaryKernel.Apply256<GeluErfOp>(row, row, count); break;
            case ActivationKind.GeluTanh: UnaryKernel.Apply256<GeluTanhOp>(row, row, count); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile16(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (; kc > 0; kc--)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            { var x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01); }
            { var x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11); }
            { var x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21); }
            { var x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31); }
            { var x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41); }
            { var x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51); }
            a += 6;
            b += 16;
        }
        Store16(c, ldc, args, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TileRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        // Rows past the edge repeat the last row (their results are not stored).
        var a0 = a;
        var a1 = a + Math.Min(1, rows - 1) * lda;
        var a2 = a + Math.Min(2, rows - 1) * lda;
        var a3 = a + Math.Min(3, rows - 1) * lda;
        var a4 = a + Math.Min(4, rows - 1) * lda;
        var a5 = a + Math.Min(5, rows - 1) * lda;
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            { var x = Vector256.Create(a0[p]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01); }
            { var x = Vector256.Create(a1[p]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11); }
            { var x = Vector256.Create(a2[p]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21); }
            { var x = Vector256.Create(a3[p]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31); }
            { var x = Vector256.Create(a4[p]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41); }
            { var x = Vector256.Create(a5[p]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51); }
            b += 16;
        }
        Store16(c, ldc, args, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    // Writes the 6 x 16 accumulators (rows x cols of them) as C = alpha * acc + beta * C + bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store16(float* c, nint ldc, in GemmTileArgs args, int rows, int cols,
        Vector256<float> c00, Vector256<float> c01, Vector256<float> c10, Vector256<float> c11, Vector256<float> c20, Vector256<float> c21, Vector256<float> c30, Vector256<float> c31, Vector256<float> c40, Vector256<float> c41, Vector256<float> c50, Vector256<float> c51)
    {
        var alpha = Vector256.Create(args.Alpha);
        var beta = Vector256.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 6 && cols == 16)
        {
            var bias0 = useBias ? Vector256.Load(bias + 0) : default;
            var bias1 = useBias ? Vector256.Load(bias + 8) : default;
            Out(c + 0, c00, alpha, beta, useBeta, bias0, useBias); Out(c + 8, c01, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c10, alpha, beta, useBeta, bias0, useBias); Out(c + 8, c11, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c20, alpha, beta, useBeta, bias0, useBias); Out(c + 8, c21, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c30, alpha, beta, useBeta, bias0, useBias); Out(c + 8, c31, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c40, alpha, beta, useBeta, bias0, useBias); Out(c + 8, c41, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c50, alpha, beta, useBeta, bias0, useBias); Out(c + 8, c51, alpha, beta, useBeta, bias1, useBias);
            return;
        }
        var m0 = Mask(cols - 0);
        var m1 = Mask(cols - 8);
        var edgeBias0 = useBias ? MaskLoad(bias + 0, m0) : default;
        var edgeBias1 = useBias ? MaskLoad(bias + 8, m1) : default;
        OutMasked(c + 0, c00, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 8, c01, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 1)
            return;
        c += ldc;
        OutMasked(c + 0, c10, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 8, c11, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 2)
            return;
        c += ldc;
        OutMasked(c + 0, c20, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 8, c21, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 3)
            return;
        c += ldc;
        OutMasked(c + 0, c30, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 8, c31, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 4)
            return;
        c += ldc;
        OutMasked(c + 0, c40, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 8, c41, alpha, beta, useBeta, edgeBias1, useBias, m1);
        if (rows == 5)
            return;
        c += ldc;
        OutMasked(c + 0, c50, alpha, beta, useBeta, edgeBias0, useBias, m0); OutMasked(c + 8, c51, alpha, beta, useBeta, edgeBias1, useBias, m1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        Vector256<float> c00 = default;
        Vector256<float> c10 = default;
        Vector256<float> c20 = default;
        Vector256<float> c30 = default;
        Vector256<float> c40 = default;
        Vector256<float> c50 = default;
        for (; kc > 0; kc--)
        {
            var b0 = Vector256.Load(b + 0);
            { var x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); }
            { var x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); }
            { var x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); }
            { var x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); }
            { var x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); }
            { var x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); }
            a += 6;
            b += 8;
        }
        var alpha = Vector256.Create(args.Alpha);
        var beta = Vector256.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 6 && cols == 8)
        {
            var bias0 = useBias ? Vector256.Load(bias + 0) : default;
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
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Out(float* dst, Vector256<float> acc, Vector256<float> alpha, Vector256<float> beta, bool useBeta, Vector256<float> bias, bool useBias)
    {
        var v = acc * alpha;
        if (useBeta)
            v = Fma.MultiplyAdd(Vector256.Load(dst), beta, v);
        if (useBias)
            v += bias;
        Vector256.Store(v, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutMasked(float* dst, Vector256<float> acc, Vector256<float> alpha, Vector256<float> beta, bool useBeta, Vector256<float> bias, bool useBias, Vector256<float> mask)
    {
        var v = acc * alpha;
        if (useBeta)
            v = Fma.MultiplyAdd(MaskLoad(dst, mask), beta, v);
        if (useBias)
            v += bias;
        Avx.MaskStore(dst, mask, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MaskLoad(float* src, Vector256<float> mask) => Avx.MaskLoad(src, mask);

    // Lanes [0, count) set.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Mask(int count) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
}
