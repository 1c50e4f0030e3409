using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Simd;

/// <summary><see cref="ISimdOps{TVec}"/> on 256-bit AVX2 + FMA registers (8 floats; 6 × 2 register tiles).</summary>
internal readonly unsafe struct Simd256Ops : ISimdOps<Vector256<float>>
{
    /// <inheritdoc/>
    public static int Count => 8;

    /// <inheritdoc/>
    public static int TileColumns => 2;

    /// <inheritdoc/>
    public static Vector256<float> Zero => Vector256<float>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float x) => Vector256.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Vector256.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector256<float> v) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> v) =>
        Simd128Ops.MaxAcross(Vector128.MaxNative(v.GetLower(), v.GetUpper()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector256<float> v) =>
        Simd128Ops.SumAcross(v.GetLower() + v.GetUpper());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // ExpOp.InvokeBounded is exact on [−87, 0]; lanes below the floor (−∞ for masked keys included, where it
        // gives NaN) are replaced by exactly 0, so no denormal reaches the accumulators. NaN is not below: it stays NaN.
        var y = ExpOp.InvokeBounded(x);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(ScalarOps.ExpFloor)), Vector256<float>.Zero, y);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpNonPositive(Vector256<float> x) => ExpOp.InvokeNonPositive(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply<TOp>(Vector256<float> x)
        where TOp : struct, IUnaryOp => TOp.Invoke(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaskBytes(Vector256<float> x, byte* keep)
    {
        var bytes = Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(keep)).AsByte();
        var dropped = Vector128.Equals(bytes, Vector128<byte>.Zero).AsSByte();
        var lanes = Avx2.ConvertToVector256Int32(dropped).AsSingle();
        return Vector256.ConditionalSelect(lanes, Vector256.Create(float.NegativeInfinity), x);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaskAbove(Vector256<float> x, int first, int last)
    {
        var above = Vector256.GreaterThan(Vector256.Create(first) + Vector256<int>.Indices, Vector256.Create(last)).AsSingle();
        return Vector256.ConditionalSelect(above, Vector256.Create(float.NegativeInfinity), x);
    }
}
