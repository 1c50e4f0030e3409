using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Simd;

/// <summary>
/// The vector operations the row kernels (attention, softmax, layer norm, activations, matrix-vector products, the
/// 6 x 2 GEMM micro-kernel) are written against, implemented once per <see cref="IsaLevel"/>
/// (<see cref="Simd512Ops"/>, <see cref="Simd256Ops"/>, <see cref="Simd128Ops"/>, <see cref="ScalarOps"/>).
/// Kernels are generic over an implementing struct, so the JIT compiles one specialised copy per level.
/// </summary>
/// <typeparam name="TVec">The register type: <c>Vector512&lt;float&gt;</c> … <c>float</c>.</typeparam>
internal unsafe interface ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <summary>Lanes per register.</summary>
    static abstract int Count { get; }

    /// <summary>Registers per row of the widest attention register tile (6 rows × this many vectors of accumulators).</summary>
    static abstract int TileColumns { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVec Zero { get; }

    /// <summary>All lanes <paramref name="x"/>.</summary>
    static abstract TVec Create(float x);

    /// <summary>Loads <see cref="Count"/> floats (unaligned).</summary>
    static abstract TVec Load(float* p);

    /// <summary>Stores <see cref="Count"/> floats (unaligned).</summary>
    static abstract void Store(float* p, TVec v);

    /// <summary>a + b.</summary>
    static abstract TVec Add(TVec a, TVec b);

    /// <summary>a − b.</summary>
    static abstract TVec Subtract(TVec a, TVec b);

    /// <summary>a · b.</summary>
    static abstract TVec Multiply(TVec a, TVec b);

    /// <summary>a · b + c, fused where the hardware has it.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    /// <summary>Lane-wise maximum (hardware semantics for NaN).</summary>
    static abstract TVec Max(TVec a, TVec b);

    /// <summary>Largest lane.</summary>
    static abstract float MaxAcross(TVec v);

    /// <summary>Sum of the lanes, in a fixed order.</summary>
    static abstract float SumAcross(TVec v);

    /// <summary>
    /// e^x lane-wise for x ≤ 0 (the softmax exponentiates scores minus their row maximum): the shared
    /// <see cref="ExpOp"/> (vector forms about 1 ulp, scalar <see cref="MathF.Exp"/>), exactly 0 below
    /// <see cref="ScalarOps.ExpFloor"/> and for −∞; NaN stays NaN.
    /// </summary>
    static abstract TVec Exp(TVec x);

    /// <summary>
    /// e^x lane-wise for x ≤ 0 without NaN propagation (callers check for NaN themselves): one polynomial term and
    /// one rounding step fewer than <see cref="Exp"/>, about 1 ulp, exactly 0 below about −87.7.
    /// </summary>
    static abstract TVec ExpNonPositive(TVec x);

    /// <summary>An elementwise operator in its form for this register (<see cref="IUnaryOp"/> has one per width).</summary>
    static abstract TVec Apply<TOp>(TVec x)
        where TOp : struct, IUnaryOp;

    /// <summary>Sets to −∞ the lanes whose byte in <paramref name="keep"/> (<see cref="Count"/> bytes) is zero.</summary>
    static abstract TVec MaskBytes(TVec x, byte* keep);

    /// <summary>Sets to −∞ the lanes whose index <paramref name="first"/> + lane exceeds <paramref name="last"/>.</summary>
    static abstract TVec MaskAbove(TVec x, int first, int last);
}
