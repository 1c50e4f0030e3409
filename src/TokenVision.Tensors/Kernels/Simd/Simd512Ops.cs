using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Simd;

/// <summary><see cref="ISimdOps{TVec}"/> on 512-bit AVX-512 registers (16 floats; 6 × 4 register tiles).</summary>
internal readonly unsafe struct Simd512Ops : ISimdOps<Vector512<float>>
{
    /// <inheritdoc/>
    public static int Count => 16;

    /// <inheritdoc/>
    public static int TileColumns => 4;

    /// <inheritdoc/>
    public static Vector512<float> Zero => Vector512<float>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float x) => Vector512.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Vector512.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector512<float> v) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> v) =>
        Simd256Ops.MaxAcross(Vector256.MaxNative(v.GetLower(), v.GetUpper()));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector512<float> v) =>
        Simd256Ops.SumAcross(v.GetLower() + v.GetUpper());

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        // ExpOp.InvokeBounded is exact on [−87, 0]; lanes below the floor (−∞ for masked keys included, where it
        // gives NaN) are replaced by exactly 0, so no denormal reaches the accumulators. NaN is not below: it stays NaN.
        var y = ExpOp.InvokeBounded(x);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ScalarOps.ExpFloor)), Vector512<float>.Zero, y);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpNonPositive(Vector512<float> x) => ExpOp.InvokeNonPositive(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply<TOp>(Vector512<float> x)
        where TOp : struct, IUnaryOp => TOp.Invoke(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaskBytes(Vector512<float> x, byte* keep)
    {
        var dropped = Vector128.Equals(Vector128.Load(keep), Vector128<byte>.Zero).AsSByte();
        var lanes = Avx512F.ConvertToVector512Int32(dropped).AsSingle();
        return Vector512.ConditionalSelect(lanes, Vector512.Create(float.NegativeInfinity), x);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaskAbove(Vector512<float> x, int first, int last)
    {
        var above = Vector512.GreaterThan(Vector512.Create(first) + Vector512<int>.Indices, Vector512.Create(last)).AsSingle();
        return Vector512.ConditionalSelect(above, Vector512.Create(float.NegativeInfinity), x);
    }
}
