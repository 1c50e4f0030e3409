using System.Runtime.CompilerServices;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Simd;

/// <summary><see cref="ISimdOps{TVec}"/> on single floats: the scalar path, same tiling as the vector paths.</summary>
internal readonly unsafe struct ScalarOps : ISimdOps<float>
{
    /// <inheritdoc/>
    public static int Count => 1;

    /// <inheritdoc/>
    public static int TileColumns => 2;

    /// <inheritdoc/>
    public static float Zero => 0f;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Create(float x) => x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(float* p) => *p;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* p, float v) => *p = v;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => a > b ? a : b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(float v) => v;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(float v) => v;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => x < ExpFloor ? 0f : ExpOp.Invoke(x);

    /// <summary>
    /// Below this every <see cref="ISimdOps{TVec}.Exp"/> gives exactly 0 (e^−87 ≈ 1.6e−38 is the smallest normal
    /// result), so masked scores (−∞) give weight 0 and no denormal reaches the accumulators.
    /// </summary>
    public const float ExpFloor = -87f;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ExpNonPositive(float x) => ExpOp.InvokeClamped(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply<TOp>(float x)
        where TOp : struct, IUnaryOp => TOp.Invoke(x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaskBytes(float x, byte* keep) => *keep == 0 ? float.NegativeInfinity : x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaskAbove(float x, int first, int last) => first > last ? float.NegativeInfinity : x;
}
