using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>Portable 128-bit SGEMM micro-kernel: 6 x 8 register tile (12 accumulators), with a 6 x 4 tile for the last columns.</summary>
internal readonly unsafe struct GemmKernelVector128 : IGemmKernel
{
    /// <inheritdoc/>
    public static int Mr => 6;

    /// <inheritdoc/>
    public static int Nr => 8;

    /// <inheritdoc/>
    public static int Kc => 256;

    /// <inheritdoc/>
    public static int Nc => 512;

    /// <inheritdoc/>
    public static bool PackWithAvx => false;

    /// <inheritdoc/>
    public static int PanelWidth(int cols) => cols <= 4 ? 4 : 8;

    /// <inheritdoc/>
    public static void Tile(int kc, float* a, float* b, int width, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        if (width == 8)
            Tile8(kc, a, b, c, ldc, args, rows, cols);
        else
            Tile4(kc, a, b, c, ldc, args, rows, cols);
    }

    /// <inheritdoc/>
    public static void Activate(float* row, int count, ActivationKind activation)
    {
        switch (activation)
        {
            case ActivationKind.Relu: UnaryKernel.Apply128<ReluOp>(row, row, count); break;
            case ActivationKind.GeluErf: UnaryKernel.Apply128<GeluErfOp>(row, row, count); break;
            case ActivationKind.GeluTanh: UnaryKernel.Apply128<GeluTanhOp>(row, row, count); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        Vector128<float> c00 = default, c01 = default;
        Vector128<float> c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default;
        Vector128<float> c50 = default, c51 = default;
        for (; kc > 0; kc--)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            { var x = Vector128.Create(a[0]); c00 = Vector128.FusedMultiplyAdd(x, b0, c00); c01 = Vector128.FusedMultiplyAdd(x, b1, c01); }
            { var x = Vector128.Create(a[1]); c10 = Vector128.FusedMultiplyAdd(x, b0, c10); c11 = Vector128.FusedMultiplyAdd(x, b1, c11); }
            { var x = Vector128.Create(a[2]); c20 = Vector128.FusedMultiplyAdd(x, b0, c20); c21 = Vector128.FusedMultiplyAdd(x, b1, c21); }
            { var x = Vector128.Create(a[3]); c30 = Vector128.FusedMultiplyAdd(x, b0, c30); c31 = Vector128.FusedMultiplyAdd(x, b1, c31); }
            { var x = Vector128.Create(a[4]); c40 = Vector128.FusedMultiplyAdd(x, b0, c40); c41 = Vector128.FusedMultiplyAdd(x, b1, c41); }
            { var x = Vector128.Create(a[5]); c50 = Vector128.FusedMultiplyAdd(x, b0, c50); c51 = Vector128.FusedMultiplyAdd(x, b1, c51); }
            a += 6;
            b += 8;
        }
        Store8(c, ldc, args, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
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
        Vector128<float> c00 = default, c01 = default;
        Vector128<float> c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default;
        Vector128<float> c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            { var x = Vector128.Create(a0[p]); c00 = Vector128.FusedMultiplyAdd(x, b0, c00); c01 = Vector128.FusedMultiplyAdd(x, b1, c01); }
            { var x = Vector128.Create(a1[p]); c10 = Vector128.FusedMultiplyAdd(x, b0, c10); c11 = Vector128.FusedMultiplyAdd(x, b1, c11); }
            { var x = Vector128.Create(a2[p]); c20 = Vector128.FusedMultiplyAdd(x, b0, c20); c21 = Vector128.FusedMultiplyAdd(x, b1, c21); }
            { var x = Vector128.Create(a3[p]); c30 = Vector128.FusedMultiplyAdd(x, b0, c30); c31 = Vector128.FusedMultiplyAdd(x, b1, c31); }
            { var x = Vector128.Create(a4[p]); c40 = Vector128.FusedMultiplyAdd(x, b0, c40); c41 = Vector128.FusedMultiplyAdd(x, b1, c41); }
            { var x = Vector128.Create(a5[p]); c50 = Vector128.FusedMultiplyAdd(x, b0, c50); c51 = Vector128.FusedMultiplyAdd(x, b1, c51); }
            b += 8;
        }
        Store8(c, ldc, args, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    // Writes the 6 x 8 accumulators (rows x cols of them) as C = alpha * acc + beta * C + bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(float* c, nint ldc, in GemmTileArgs args, int rows, int cols,
        Vector128<float> c00, Vector128<float> c01, Vector128<float> c10, Vector128<float> c11, Vector128<float> c20, Vector128<float> c21, Vector128<float> c30, Vector128<float> c31, Vector128<float> c40, Vector128<float> c41, Vector128<float> c50, Vector128<float> c51)
    {
        var alpha = Vector128.Create(args.Alpha);
        var beta = Vector128.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 6 && cols == 8)
        {
            var bias0 = useBias ? Vector128.Load(bias + 0) : default;
            var bias1 = useBias ? Vector128.Load(bias + 4) : default;
            Out(c + 0, c00, alpha, beta, useBeta, bias0, useBias); Out(c + 4, c01, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c10, alpha, beta, useBeta, bias0, useBias); Out(c + 4, c11, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c20, alpha, beta, useBeta, bias0, useBias); Out(c + 4, c21, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c30, alpha, beta, useBeta, bias0, useBias); Out(c + 4, c31, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c40, alpha, beta, useBeta, bias0, useBias); Out(c + 4, c41, alpha, beta, useBeta, bias1, useBias);
            c += ldc;
            Out(c + 0, c50, alpha, beta, useBeta, bias0, useBias); Out(c + 4, c51, alpha, beta, useBeta, bias1, useBias);
            return;
        }
        var edge = stackalloc float[48];
        Vector128.Store(c00 * alpha, edge + 0); Vector128.Store(c01 * alpha, edge + 4);
        Vector128.Store(c10 * alpha, edge + 8); Vector128.Store(c11 * alpha, edge + 12);
        Vector128.Store(c20 * alpha, edge + 16); Vector128.Store(c21 * alpha, edge + 20);
        Vector128.Store(c30 * alpha, edge + 24); Vector128.Store(c31 * alpha, edge + 28);
        Vector128.Store(c40 * alpha, edge + 32); Vector128.Store(c41 * alpha, edge + 36);
        Vector128.Store(c50 * alpha, edge + 40); Vector128.Store(c51 * alpha, edge + 44);
        GemmEdge.Merge(edge, 8, c, ldc, rows, cols, args.Beta, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        Vector128<float> c00 = default;
        Vector128<float> c10 = default;
        Vector128<float> c20 = default;
        Vector128<float> c30 = default;
        Vector128<float> c40 = default;
        Vector128<float> c50 = default;
        for (; kc > 0; kc--)
        {
            var b0 = Vector128.Load(b + 0);
            { var x = Vector128.Create(a[0]); c00 = Vector128.FusedMultiplyAdd(x, b0, c00); }
            { var x = Vector128.Create(a[1]); c10 = Vector128.FusedMultiplyAdd(x, b0, c10); }
            { var x = Vector128.Create(a[2]); c20 = Vector128.FusedMultiplyAdd(x, b0, c20); }
            { var x = Vector128.Create(a[3]); c30 = Vector128.FusedMultiplyAdd(x, b0, c30); }
            { var x = Vector128.Create(a[4]); c40 = Vector128.FusedMultiplyAdd(x, b0, c40); }
            { var x = Vector128.Create(a[5]); c50 = Vector128.FusedMultiplyAdd(x, b0, c50); }
            a += 6;
            b += 4;
        }
        var alpha = Vector128.Create(args.Alpha);
        var beta = Vector128.Create(args.Beta);
        var useBeta = args.Beta != 0f;
        var bias = args.Bias;
        var useBias = bias != null;
        if (rows == 6 && cols == 4)
        {
            var bias0 = useBias ? Vector128.Load(bias + 0) : default;
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
        var edge = stackalloc float[24];
        Vector128.Store(c00 * alpha, edge + 0);
        Vector128.Store(c10 * alpha, edge + 4);
        Vector128.Store(c20 * alpha, edge + 8);
        Vector128.Store(c30 * alpha, edge + 12);
        Vector128.Store(c40 * alpha, edge + 16);
        Vector128.Store(c50 * alpha, edge + 20);
        GemmEdge.Merge(edge, 4, c, ldc, rows, cols, args.Beta, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Out(float* dst, Vector128<float> acc, Vector128<float> alpha, Vector128<float> beta, bool useBeta, Vector128<float> bias, bool useBias)
    {
        var v = acc * alpha;
        if (useBeta)
            v = Vector128.FusedMultiplyAdd(Vector128.Load(dst), beta, v);
        if (useBias)
            v += bias;
        Vector128.Store(v, dst);
    }
}
