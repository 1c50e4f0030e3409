using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Simd;

/// <summary><see cref="ISimdOps{TVec}"/> on portable 128-bit registers (4 floats; 6 × 2 register tiles).</summary>
internal readonly unsafe struct Simd128Ops : ISimdOps<Vector128<float>>
{
    /// <inheritdoc/>
    public static int Count => 4;

    /// <inheritdoc/>
    public static int TileColumns => 2;

    /// <inheritdoc/>
    public static Vector128<float> Zero => Vector128<float>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float x) => Vector128.Create(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* p) => Vector128.Load(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, Vector128<float> v) => v.Store(p);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> v)
    {
        v = Vector128.MaxNative(v, Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1)));
        v = Vector128.MaxNative(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
        return v.ToScalar();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector128<float> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        // ExpOp.InvokeBounded is exact on [−87, 0]; lanes below the floor (−∞ for masked keys included, where it
        // gives NaN) are replaced by exactly 0, so no denormal reaches the accumulators. NaN is not below: it stays NaN.
        var y = ExpOp.InvokeBounded(x);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(ScalarOps.ExpFloor)), Vector128<float>.Zero, y);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ExpNonPositive(Vector128<float> x) => ExpOp.InvokeNonPositive(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply<TOp>(Vector128<float> x)
        where TOp : struct, IUnaryOp => TOp.Invoke(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaskBytes(Vector128<float> x, byte* keep)
    {
        var bytes = Vector128.CreateScalar(Unsafe.ReadUnaligned<int>(keep)).AsByte();
        var dropped = Vector128.Equals(bytes, Vector128<byte>.Zero).AsSByte();
        var lanes = Vector128.WidenLower(Vector128.WidenLower(dropped)).AsSingle();
        return Vector128.ConditionalSelect(lanes, Vector128.Create(float.NegativeInfinity), x);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MaskAbove(Vector128<float> x, int first, int last)
    {
        var above = Vector128.GreaterThan(Vector128.Create(first) + Vector128<int>.Indices, Vector128.Create(last)).AsSingle();
        return Vector128.ConditionalSelect(above, Vector128.Create(float.NegativeInfinity), x);
    }
}
