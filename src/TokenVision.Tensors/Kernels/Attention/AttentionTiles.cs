using System.Runtime.CompilerServices;
using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// The register-blocked matrix product every attention step is made of: C[M, n·W] (+)= A[M, K] · B[K, n·W] with
/// M a multiple of 6 and B, C rows of whole vectors. A is read through a row stride and a step along K, so the
/// same kernel takes A or Aᵀ (S = Q·Kᵀ with Kᵀ packed, O += P·V, dV += Pᵀ·dO, dK += dSᵀ·Q, dQ += dS·K).
/// Each 6-row tile keeps 6 × c vector accumulators in registers (c = 4 or 3 on AVX-512, else 2): per step of K it loads
/// c vectors of B, broadcasts 6 elements of A and issues 6·c fused multiply-adds. Every output element is one chain
/// of multiply-adds over k in order, so results do not depend on how callers split M or the columns.
/// </summary>
/// <typeparam name="TOps">The instruction-set level.</typeparam>
/// <typeparam name="TVec">Its register type.</typeparam>
internal static unsafe class AttentionTiles<TOps, TVec>
    where TOps : struct, ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <summary>
    /// C[rows, vectors·W] (+)= A · B, A[r, k] at <paramref name="a"/> + r·<paramref name="aRow"/> + k·<paramref name="aStep"/>.
    /// </summary>
    /// <param name="rows">Rows of C; a multiple of 6.</param>
    /// <param name="vectors">Vectors per row of B and C.</param>
    /// <param name="k">Inner dimension (0 gives zeros, or leaves C unchanged when accumulating).</param>
    /// <param name="a">A[0, 0].</param>
    /// <param name="aRow">Elements between rows of A.</param>
    /// <param name="aStep">Elements between consecutive k of A.</param>
    /// <param name="b">B[0, 0]; rows of B are <paramref name="ldb"/> apart.</param>
    /// <param name="ldb">Elements between rows of B.</param>
    /// <param name="c">C[0, 0]; rows of C are <paramref name="ldc"/> apart.</param>
    /// <param name="ldc">Elements between rows of C.</param>
    /// <param name="accumulate">Add to C (true) or overwrite it (false).</param>
    public static void Multiply(int rows, int vectors, int k, float* a, nint aRow, nint aStep, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        var w = TOps.Count;
        var col = 0;
        if (TOps.TileColumns == 4)
        {
            // Tiles of 4 vector columns, the rest in tiles of 3 or 2: a 6 × 1 tile has only 6 independent chains,
            // too few to hide the multiply-add latency, so 4k + 1 columns become 4(k − 2) + 3·3 (13 = 4 + 3·3), 5 = 3 + 2.
            var fours = vectors / 4;
            if (vectors % 4 == 1 && fours >= 1)
                fours = Math.Max(0, fours - 2);
            for (; col < 4 * fours; col += 4)
            {
                for (var r = 0; r < rows; r += 6)
                    Tile6x4(k, a + r * aRow, aRow, aStep, b + col * w, ldb, c + r * ldc + col * w, ldc, accumulate);
            }
            for (; col + 3 <= vectors; col += 3)
            {
                for (var r = 0; r < rows; r += 6)
                    Tile6x3(k, a + r * aRow, aRow, aStep, b + col * w, ldb, c + r * ldc + col * w, ldc, accumulate);
            }
        }
        for (; col + 2 <= vectors; col += 2)
        {
            for (var r = 0; r < rows; r += 6)
                Tile6x2(k, a + r * aRow, aRow, aStep, b + col * w, ldb, c + r * ldc + col * w, ldc, accumulate);
        }
        if (col < vectors)
        {
            for (var r = 0; r < rows; r += 6)
                Tile6x1(k, a + r * aRow, aRow, aStep, b + col * w, ldb, c + r * ldc + col * w, ldc, accumulate);
        }
    }

    /// <summary>One 6 × 4 register tile: C[0..6, 0..4·W) (+)= Σ_k A[r, k] · B[k, ·].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x4(int k, float* a, nint aRow, nint aStep, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        var w = TOps.Count;
        nint r2 = 2 * aRow, r3 = 3 * aRow, r4 = 4 * aRow, r5 = 5 * aRow;
        TVec c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate)
        {
            c00 = TOps.Load(c);
            c01 = TOps.Load(c + 1 * w);
            c02 = TOps.Load(c + 2 * w);
            c03 = TOps.Load(c + 3 * w);
            c10 = TOps.Load(c + 1 * ldc);
            c11 = TOps.Load(c + 1 * ldc + 1 * w);
            c12 = TOps.Load(c + 1 * ldc + 2 * w);
            c13 = TOps.Load(c + 1 * ldc + 3 * w);
            c20 = TOps.Load(c + 2 * ldc);
            c21 = TOps.Load(c + 2 * ldc + 1 * w);
            c22 = TOps.Load(c + 2 * ldc + 2 * w);
            c23 = TOps.Load(c + 2 * ldc + 3 * w);
            c30 = TOps.Load(c + 3 * ldc);
            c31 = TOps.Load(c + 3 * ldc + 1 * w);
            c32 = TOps.Load(c + 3 * ldc + 2 * w);
            c33 = TOps.Load(c + 3 * ldc + 3 * w);
            c40 = TOps.Load(c + 4 * ldc);
            c41 = TOps.Load(c + 4 * ldc + 1 * w);
            c42 = TOps.Load(c + 4 * ldc + 2 * w);
            c43 = TOps.Load(c + 4 * ldc + 3 * w);
            c50 = TOps.Load(c + 5 * ldc);
            c51 = TOps.Load(c + 5 * ldc + 1 * w);
            c52 = TOps.Load(c + 5 * ldc + 2 * w);
            c53 = TOps.Load(c + 5 * ldc + 3 * w);
        }
        else
        {
            c00 = TOps.Zero;
            c01 = TOps.Zero;
            c02 = TOps.Zero;
            c03 = TOps.Zero;
            c10 = TOps.Zero;
            c11 = TOps.Zero;
            c12 = TOps.Zero;
            c13 = TOps.Zero;
            c20 = TOps.Zero;
            c21 = TOps.Zero;
            c22 = TOps.Zero;
            c23 = TOps.Zero;
            c30 = TOps.Zero;
            c31 = TOps.Zero;
            c32 = TOps.Zero;
            c33 = TOps.Zero;
            c40 = TOps.Zero;
            c41 = TOps.Zero;
            c42 = TOps.Zero;
            c43 = TOps.Zero;
            c50 = TOps.Zero;
            c51 = TOps.Zero;
            c52 = TOps.Zero;
            c53 = TOps.Zero;
        }
        for (; k > 0; k--)
        {
            var b0 = TOps.Load(b);
            var b1 = TOps.Load(b + 1 * w);
            var b2 = TOps.Load(b + 2 * w);
            var b3 = TOps.Load(b + 3 * w);
            var a0 = TOps.Create(a[0]);
            c00 = TOps.MultiplyAdd(a0, b0, c00);
            c01 = TOps.MultiplyAdd(a0, b1, c01);
            c02 = TOps.MultiplyAdd(a0, b2, c02);
            c03 = TOps.MultiplyAdd(a0, b3, c03);
            var a1 = TOps.Create(a[aRow]);
            c10 = TOps.MultiplyAdd(a1, b0, c10);
            c11 = TOps.MultiplyAdd(a1, b1, c11);
            c12 = TOps.MultiplyAdd(a1, b2, c12);
            c13 = TOps.MultiplyAdd(a1, b3, c13);
            var a2 = TOps.Create(a[r2]);
            c20 = TOps.MultiplyAdd(a2, b0, c20);
            c21 = TOps.MultiplyAdd(a2, b1, c21);
            c22 = TOps.MultiplyAdd(a2, b2, c22);
            c23 = TOps.MultiplyAdd(a2, b3, c23);
            var a3 = TOps.Create(a[r3]);
            c30 = TOps.MultiplyAdd(a3, b0, c30);
            c31 = TOps.MultiplyAdd(a3, b1, c31);
            c32 = TOps.MultiplyAdd(a3, b2, c32);
            c33 = TOps.MultiplyAdd(a3, b3, c33);
            var a4 = TOps.Create(a[r4]);
            c40 = TOps.MultiplyAdd(a4, b0, c40);
            c41 = TOps.MultiplyAdd(a4, b1, c41);
            c42 = TOps.MultiplyAdd(a4, b2, c42);
            c43 = TOps.MultiplyAdd(a4, b3, c43);
            var a5 = TOps.Create(a[r5]);
            c50 = TOps.MultiplyAdd(a5, b0, c50);
            c51 = TOps.MultiplyAdd(a5, b1, c51);
            c52 = TOps.MultiplyAdd(a5, b2, c52);
            c53 = TOps.MultiplyAdd(a5, b3, c53);
            a += aStep;
            b += ldb;
        }
        TOps.Store(c, c00);
        TOps.Store(c + 1 * w, c01);
        TOps.Store(c + 2 * w, c02);
        TOps.Store(c + 3 * w, c03);
        TOps.Store(c + 1 * ldc, c10);
        TOps.Store(c + 1 * ldc + 1 * w, c11);
        TOps.Store(c + 1 * ldc + 2 * w, c12);
        TOps.Store(c + 1 * ldc + 3 * w, c13);
        TOps.Store(c + 2 * ldc, c20);
        TOps.Store(c + 2 * ldc + 1 * w, c21);
        TOps.Store(c + 2 * ldc + 2 * w, c22);
        TOps.Store(c + 2 * ldc + 3 * w, c23);
        TOps.Store(c + 3 * ldc, c30);
        TOps.Store(c + 3 * ldc + 1 * w, c31);
        TOps.Store(c + 3 * ldc + 2 * w, c32);
        TOps.Store(c + 3 * ldc + 3 * w, c33);
        TOps.Store(c + 4 * ldc, c40);
        TOps.Store(c + 4 * ldc + 1 * w, c41);
        TOps.Store(c + 4 * ldc + 2 * w, c42);
        TOps.Store(c + 4 * ldc + 3 * w, c43);
        TOps.Store(c + 5 * ldc, c50);
        TOps.Store(c + 5 * ldc + 1 * w, c51);
        TOps.Store(c + 5 * ldc + 2 * w, c52);
        TOps.Store(c + 5 * ldc + 3 * w, c53);
    }

    /// <summary>One 6 × 3 register tile: C[0..6, 0..3·W) (+)= Σ_k A[r, k] · B[k, ·].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x3(int k, float* a, nint aRow, nint aStep, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        var w = TOps.Count;
        nint r2 = 2 * aRow, r3 = 3 * aRow, r4 = 4 * aRow, r5 = 5 * aRow;
        TVec c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52;
        if (accumulate)
        {
            c00 = TOps.Load(c);
            c01 = TOps.Load(c + 1 * w);
            c02 = TOps.Load(c + 2 * w);
            c10 = TOps.Load(c + 1 * ldc);
            c11 = TOps.Load(c + 1 * ldc + 1 * w);
            c12 = TOps.Load(c + 1 * ldc + 2 * w);
            c20 = TOps.Load(c + 2 * ldc);
            c21 = TOps.Load(c + 2 * ldc + 1 * w);
            c22 = TOps.Load(c + 2 * ldc + 2 * w);
            c30 = TOps.Load(c + 3 * ldc);
            c31 = TOps.Load(c + 3 * ldc + 1 * w);
            c32 = TOps.Load(c + 3 * ldc + 2 * w);
            c40 = TOps.Load(c + 4 * ldc);
            c41 = TOps.Load(c + 4 * ldc + 1 * w);
            c42 = TOps.Load(c + 4 * ldc + 2 * w);
            c50 = TOps.Load(c + 5 * ldc);
            c51 = TOps.Load(c + 5 * ldc + 1 * w);
            c52 = TOps.Load(c + 5 * ldc + 2 * w);
        }
        else
        {
            c00 = TOps.Zero;
            c01 = TOps.Zero;
            c02 = TOps.Zero;
            c10 = TOps.Zero;
            c11 = TOps.Zero;
            c12 = TOps.Zero;
            c20 = TOps.Zero;
            c21 = TOps.Zero;
            c22 = TOps.Zero;
            c30 = TOps.Zero;
            c31 = TOps.Zero;
            c32 = TOps.Zero;
            c40 = TOps.Zero;
            c41 = TOps.Zero;
            c42 = TOps.Zero;
            c50 = TOps.Zero;
            c51 = TOps.Zero;
            c52 = TOps.Zero;
        }
        for (; k > 0; k--)
        {
            var b0 = TOps.Load(b);
            var b1 = TOps.Load(b + 1 * w);
            var b2 = TOps.Load(b + 2 * w);
            var a0 = TOps.Create(a[0]);
            c00 = TOps.MultiplyAdd(a0, b0, c00);
            c01 = TOps.MultiplyAdd(a0, b1, c01);
            c02 = TOps.MultiplyAdd(a0, b2, c02);
            var a1 = TOps.Create(a[aRow]);
            c10 = TOps.MultiplyAdd(a1, b0, c10);
            c11 = TOps.MultiplyAdd(a1, b1, c11);
            c12 = TOps.MultiplyAdd(a1, b2, c12);
            var a2 = TOps.Create(a[r2]);
            c20 = TOps.MultiplyAdd(a2, b0, c20);
            c21 = TOps.MultiplyAdd(a2, b1, c21);
            c22 = TOps.MultiplyAdd(a2, b2, c22);
            var a3 = TOps.Create(a[r3]);
            c30 = TOps.MultiplyAdd(a3, b0, c30);
            c31 = TOps.MultiplyAdd(a3, b1, c31);
            c32 = TOps.MultiplyAdd(a3, b2, c32);
            var a4 = TOps.Create(a[r4]);
            c40 = TOps.MultiplyAdd(a4, b0, c40);
            c41 = TOps.MultiplyAdd(a4, b1, c41);
            c42 = TOps.MultiplyAdd(a4, b2, c42);
            var a5 = TOps.Create(a[r5]);
            c50 = TOps.MultiplyAdd(a5, b0, c50);
            c51 = TOps.MultiplyAdd(a5, b1, c51);
            c52 = TOps.MultiplyAdd(a5, b2, c52);
            a += aStep;
            b += ldb;
        }
        TOps.Store(c, c00);
        TOps.Store(c + 1 * w, c01);
        TOps.Store(c + 2 * w, c02);
        TOps.Store(c + 1 * ldc, c10);
        TOps.Store(c + 1 * ldc + 1 * w, c11);
        TOps.Store(c + 1 * ldc + 2 * w, c12);
        TOps.Store(c + 2 * ldc, c20);
        TOps.Store(c + 2 * ldc + 1 * w, c21);
        TOps.Store(c + 2 * ldc + 2 * w, c22);
        TOps.Store(c + 3 * ldc, c30);
        TOps.Store(c + 3 * ldc + 1 * w, c31);
        TOps.Store(c + 3 * ldc + 2 * w, c32);
        TOps.Store(c + 4 * ldc, c40);
        TOps.Store(c + 4 * ldc + 1 * w, c41);
        TOps.Store(c + 4 * ldc + 2 * w, c42);
        TOps.Store(c + 5 * ldc, c50);
        TOps.Store(c + 5 * ldc + 1 * w, c51);
        TOps.Store(c + 5 * ldc + 2 * w, c52);
    }

    /// <summary>One 6 × 2 register tile: C[0..6, 0..2·W) (+)= Σ_k A[r, k] · B[k, ·].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x2(int k, float* a, nint aRow, nint aStep, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        var w = TOps.Count;
        nint r2 = 2 * aRow, r3 = 3 * aRow, r4 = 4 * aRow, r5 = 5 * aRow;
        TVec c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = TOps.Load(c);
            c01 = TOps.Load(c + 1 * w);
            c10 = TOps.Load(c + 1 * ldc);
            c11 = TOps.Load(c + 1 * ldc + 1 * w);
            c20 = TOps.Load(c + 2 * ldc);
            c21 = TOps.Load(c + 2 * ldc + 1 * w);
            c30 = TOps.Load(c + 3 * ldc);
            c31 = TOps.Load(c + 3 * ldc + 1 * w);
            c40 = TOps.Load(c + 4 * ldc);
            c41 = TOps.Load(c + 4 * ldc + 1 * w);
            c50 = TOps.Load(c + 5 * ldc);
            c51 = TOps.Load(c + 5 * ldc + 1 * w);
        }
        else
        {
            c00 = TOps.Zero;
            c01 = TOps.Zero;
            c10 = TOps.Zero;
            c11 = TOps.Zero;
            c20 = TOps.Zero;
            c21 = TOps.Zero;
            c30 = TOps.Zero;
            c31 = TOps.Zero;
            c40 = TOps.Zero;
            c41 = TOps.Zero;
            c50 = TOps.Zero;
            c51 = TOps.Zero;
        }
        for (; k > 0; k--)
        {
            var b0 = TOps.Load(b);
            var b1 = TOps.Load(b + 1 * w);
            var a0 = TOps.Create(a[0]);
            c00 = TOps.MultiplyAdd(a0, b0, c00);
            c01 = TOps.MultiplyAdd(a0, b1, c01);
            var a1 = TOps.Create(a[aRow]);
            c10 = TOps.MultiplyAdd(a1, b0, c10);
            c11 = TOps.MultiplyAdd(a1, b1, c11);
            var a2 = TOps.Create(a[r2]);
            c20 = TOps.MultiplyAdd(a2, b0, c20);
            c21 = TOps.MultiplyAdd(a2, b1, c21);
            var a3 = TOps.Create(a[r3]);
            c30 = TOps.MultiplyAdd(a3, b0, c30);
            c31 = TOps.MultiplyAdd(a3, b1, c31);
            var a4 = TOps.Create(a[r4]);
            c40 = TOps.MultiplyAdd(a4, b0, c40);
            c41 = TOps.MultiplyAdd(a4, b1, c41);
            var a5 = TOps.Create(a[r5]);
            c50 = TOps.MultiplyAdd(a5, b0, c50);
            c51 = TOps.MultiplyAdd(a5, b1, c51);
            a += aStep;
            b += ldb;
        }
        TOps.Store(c, c00);
        TOps.Store(c + 1 * w, c01);
        TOps.Store(c + 1 * ldc, c10);
        TOps.Store(c + 1 * ldc + 1 * w, c11);
        TOps.Store(c + 2 * ldc, c20);
        TOps.Store(c + 2 * ldc + 1 * w, c21);
        TOps.Store(c + 3 * ldc, c30);
        TOps.Store(c + 3 * ldc + 1 * w, c31);
        TOps.Store(c + 4 * ldc, c40);
        TOps.Store(c + 4 * ldc + 1 * w, c41);
        TOps.Store(c + 5 * ldc, c50);
        TOps.Store(c + 5 * ldc + 1 * w, c51);
    }

    /// <summary>One 6 × 1 register tile: C[0..6, 0..1·W) (+)= Σ_k A[r, k] · B[k, ·].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x1(int k, float* a, nint aRow, nint aStep, float* b, nint ldb, float* c, nint ldc, bool accumulate)
    {
        var w = TOps.Count;
        nint r2 = 2 * aRow, r3 = 3 * aRow, r4 = 4 * aRow, r5 = 5 * aRow;
        TVec c00, c10, c20, c30, c40, c50;
        if (accumulate)
        {
            c00 = TOps.Load(c);
            c10 = TOps.Load(c + 1 * ldc);
            c20 = TOps.Load(c + 2 * ldc);
            c30 = TOps.Load(c + 3 * ldc);
            c40 = TOps.Load(c + 4 * ldc);
            c50 = TOps.Load(c + 5 * ldc);
        }
        else
        {
            c00 = TOps.Zero;
            c10 = TOps.Zero;
            c20 = TOps.Zero;
            c30 = TOps.Zero;
            c40 = TOps.Zero;
            c50 = TOps.Zero;
        }
        for (; k > 0; k--)
        {
            var b0 = TOps.Load(b);
            var a0 = TOps.Create(a[0]);
            c00 = TOps.MultiplyAdd(a0, b0, c00);
            var a1 = TOps.Create(a[aRow]);
            c10 = TOps.MultiplyAdd(a1, b0, c10);
            var a2 = TOps.Create(a[r2]);
            c20 = TOps.MultiplyAdd(a2, b0, c20);
            var a3 = TOps.Create(a[r3]);
            c30 = TOps.MultiplyAdd(a3, b0, c30);
            var a4 = TOps.Create(a[r4]);
            c40 = TOps.MultiplyAdd(a4, b0, c40);
            var a5 = TOps.Create(a[r5]);
            c50 = TOps.MultiplyAdd(a5, b0, c50);
            a += aStep;
            b += ldb;
        }
        TOps.Store(c, c00);
        TOps.Store(c + 1 * ldc, c10);
        TOps.Store(c + 2 * ldc, c20);
        TOps.Store(c + 3 * ldc, c30);
        TOps.Store(c + 4 * ldc, c40);
        TOps.Store(c + 5 * ldc, c50);
    }
}
