using System.Runtime.CompilerServices;
using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// SGEMM micro-kernel of 6 rows x 2 registers (12 accumulators) at one vector width: 6 x 16 on AVX2 + FMA
/// (<see cref="Simd256Ops"/>), 6 x 8 on portable 128-bit vectors (<see cref="Simd128Ops"/>). A 6 x 1 register tile
/// serves the last columns; tiles cut by the edges of C are written through a scratch tile (<see cref="GemmEdge"/>).
/// </summary>
internal readonly unsafe struct GemmKernel6x2<TOps, TVec> : IGemmKernel
    where TOps : struct, ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <inheritdoc/>
    public static int Mr => 6;

    /// <inheritdoc/>
    public static int Nr => 2 * TOps.Count;

    /// <inheritdoc/>
    public static int Kc => 256;

    /// <inheritdoc/>
    public static int Nc => 512;

    /// <inheritdoc/>
    public static IsaLevel Isa => TOps.Count == 8 ? IsaLevel.Avx2 : IsaLevel.Vector128;

    /// <inheritdoc/>
    public static int PanelWidth(int cols) => cols <= TOps.Count ? TOps.Count : 2 * TOps.Count;

    /// <inheritdoc/>
    public static void Tile(int kc, float* a, float* b, int width, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        if (width == 2 * TOps.Count)
            TileWide(kc, a, b, c, ldc, args, rows, cols);
        else
            TileNarrow(kc, a, b, c, ldc, args, rows, cols);
    }

    // A packed panel: row r at a + r, the next depth Mr floats on.
    private static void TileWide(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols) =>
        SweepWide(kc, a, 1, 6, b, c, ldc, args, rows, cols);

    /// <inheritdoc/>
    public static void TileRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols) =>
        SweepWide(kc, a, lda, 1, b, c, ldc, args, rows, cols);

    // The 6 x 2-register tile over kc steps of depth: row r of A starts at a + r * rowStride and its next depth is
    // `step` floats on (a packed panel or A in place, the same multiply-adds). Rows past the edge repeat the last
    // row (their results are not stored).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SweepWide(int kc, float* a, nint rowStride, nint step, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        var w = TOps.Count;
        var a0 = a;
        var a1 = a + Math.Min(1, rows - 1) * rowStride;
        var a2 = a + Math.Min(2, rows - 1) * rowStride;
        var a3 = a + Math.Min(3, rows - 1) * rowStride;
        var a4 = a + Math.Min(4, rows - 1) * rowStride;
        var a5 = a + Math.Min(5, rows - 1) * rowStride;
        TVec c00 = TOps.Zero, c01 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero;
        TVec c50 = TOps.Zero, c51 = TOps.Zero;
        for (nint p = 0, end = kc * step; p < end; p += step)
        {
            var b0 = TOps.Load(b);
            var b1 = TOps.Load(b + w);
            { var x = TOps.Create(a0[p]); c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01); }
            { var x = TOps.Create(a1[p]); c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11); }
            { var x = TOps.Create(a2[p]); c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21); }
            { var x = TOps.Create(a3[p]); c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31); }
            { var x = TOps.Create(a4[p]); c40 = TOps.MultiplyAdd(x, b0, c40); c41 = TOps.MultiplyAdd(x, b1, c41); }
            { var x = TOps.Create(a5[p]); c50 = TOps.MultiplyAdd(x, b0, c50); c51 = TOps.MultiplyAdd(x, b1, c51); }
            b += 2 * w;
        }
        StoreWide(c, ldc, args, rows, cols, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileNarrow(int kc, float* a, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols)
    {
        TVec c00 = TOps.Zero, c10 = TOps.Zero, c20 = TOps.Zero, c30 = TOps.Zero, c40 = TOps.Zero, c50 = TOps.Zero;
        for (; kc > 0; kc--)
        {
            var b0 = TOps.Load(b);
            c00 = TOps.MultiplyAdd(TOps.Create(a[0]), b0, c00);
            c10 = TOps.MultiplyAdd(TOps.Create(a[1]), b0, c10);
            c20 = TOps.MultiplyAdd(TOps.Create(a[2]), b0, c20);
            c30 = TOps.MultiplyAdd(TOps.Create(a[3]), b0, c30);
            c40 = TOps.MultiplyAdd(TOps.Create(a[4]), b0, c40);
            c50 = TOps.MultiplyAdd(TOps.Create(a[5]), b0, c50);
            a += 6;
            b += TOps.Count;
        }
        var w = TOps.Count;
        var alpha = TOps.Create(args.Alpha);
        if (rows == 6 && cols == w)
        {
            var bias0 = args.Bias != null ? TOps.Load(args.Bias) : TOps.Zero;
            Out(c, c00, alpha, args, bias0);
            Out(c + ldc, c10, alpha, args, bias0);
            Out(c + 2 * ldc, c20, alpha, args, bias0);
            Out(c + 3 * ldc, c30, alpha, args, bias0);
            Out(c + 4 * ldc, c40, alpha, args, bias0);
            Out(c + 5 * ldc, c50, alpha, args, bias0);
            return;
        }
        var edge = stackalloc float[6 * 16];
        TOps.Store(edge, TOps.Multiply(c00, alpha));
        TOps.Store(edge + w, TOps.Multiply(c10, alpha));
        TOps.Store(edge + 2 * w, TOps.Multiply(c20, alpha));
        TOps.Store(edge + 3 * w, TOps.Multiply(c30, alpha));
        TOps.Store(edge + 4 * w, TOps.Multiply(c40, alpha));
        TOps.Store(edge + 5 * w, TOps.Multiply(c50, alpha));
        GemmEdge.Merge(edge, w, c, ldc, rows, cols, args.Beta, args.Bias);
    }

    // Writes the 6 x 2 registers of accumulators (rows x cols of them) as C = alpha * acc + beta * C + bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWide(float* c, nint ldc, in GemmTileArgs args, int rows, int cols,
        TVec c00, TVec c01, TVec c10, TVec c11, TVec c20, TVec c21, TVec c30, TVec c31, TVec c40, TVec c41, TVec c50, TVec c51)
    {
        var w = TOps.Count;
        var alpha = TOps.Create(args.Alpha);
        if (rows == 6 && cols == 2 * w)
        {
            var bias0 = args.Bias != null ? TOps.Load(args.Bias) : TOps.Zero;
            var bias1 = args.Bias != null ? TOps.Load(args.Bias + w) : TOps.Zero;
            Out(c, c00, alpha, args, bias0); Out(c + w, c01, alpha, args, bias1);
            c += ldc;
            Out(c, c10, alpha, args, bias0); Out(c + w, c11, alpha, args, bias1);
            c += ldc;
            Out(c, c20, alpha, args, bias0); Out(c + w, c21, alpha, args, bias1);
            c += ldc;
            Out(c, c30, alpha, args, bias0); Out(c + w, c31, alpha, args, bias1);
            c += ldc;
            Out(c, c40, alpha, args, bias0); Out(c + w, c41, alpha, args, bias1);
            c += ldc;
            Out(c, c50, alpha, args, bias0); Out(c + w, c51, alpha, args, bias1);
            return;
        }
        StoreWideEdge(c, ldc, args, rows, cols, TOps.Multiply(c00, alpha), TOps.Multiply(c01, alpha),
            TOps.Multiply(c10, alpha), TOps.Multiply(c11, alpha), TOps.Multiply(c20, alpha), TOps.Multiply(c21, alpha),
            TOps.Multiply(c30, alpha), TOps.Multiply(c31, alpha), TOps.Multiply(c40, alpha), TOps.Multiply(c41, alpha),
            TOps.Multiply(c50, alpha), TOps.Multiply(c51, alpha));
    }

    // A tile cut by the edges of C: the scaled accumulators go to a scratch tile, then rows x cols of it into C.
    private static void StoreWideEdge(float* c, nint ldc, in GemmTileArgs args, int rows, int cols,
        TVec c00, TVec c01, TVec c10, TVec c11, TVec c20, TVec c21, TVec c30, TVec c31, TVec c40, TVec c41, TVec c50, TVec c51)
    {
        var w = TOps.Count;
        var edge = stackalloc float[6 * 2 * 16];
        TOps.Store(edge, c00); TOps.Store(edge + w, c01);
        TOps.Store(edge + 2 * w, c10); TOps.Store(edge + 3 * w, c11);
        TOps.Store(edge + 4 * w, c20); TOps.Store(edge + 5 * w, c21);
        TOps.Store(edge + 6 * w, c30); TOps.Store(edge + 7 * w, c31);
        TOps.Store(edge + 8 * w, c40); TOps.Store(edge + 9 * w, c41);
        TOps.Store(edge + 10 * w, c50); TOps.Store(edge + 11 * w, c51);
        GemmEdge.Merge(edge, 2 * w, c, ldc, rows, cols, args.Beta, args.Bias);
    }

    // One register of a full tile: C = alpha * acc (+ beta * C) (+ bias), the same arithmetic as GemmEdge.Merge.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Out(float* dst, TVec acc, TVec alpha, in GemmTileArgs args, TVec bias)
    {
        var v = TOps.Multiply(acc, alpha);
        if (args.Beta != 0f)
            v = TOps.MultiplyAdd(TOps.Load(dst), TOps.Create(args.Beta), v);
        if (args.Bias != null)
            v = TOps.Add(v, bias);
        TOps.Store(dst, v);
    }
}
