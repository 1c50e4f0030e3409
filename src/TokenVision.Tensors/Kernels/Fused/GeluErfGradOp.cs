using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Derivative of exact GELU: Phi(x) + x phi(x).</summary>
/// <remarks>
/// With the normal tail of <see cref="NormalTail"/>, Phi(-|x|) = e S and phi(x) = e / sqrt(2 pi) share one exp:
/// for x &gt;= 0 the derivative is 1 + e (|x| / sqrt(2 pi) - S), for x &lt; 0 it is -e (|x| / sqrt(2 pi) - S).
/// NaN stays NaN; the derivative is 1 at +inf and 0 at -inf. The 512-bit form uses <see cref="NormalTable"/>
/// when AVX-512 DQ is available (no exp, no division; exactly 0 below -5.8 and 1 above 5.8).
/// </remarks>
internal readonly struct GeluErfGradOp : IUnaryOp
{
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        var inner = MathF.FusedMultiplyAdd(u, InvSqrt2Pi, minusS);
        var negative = float.IsNegative(x);
        var g = MathF.FusedMultiplyAdd(e, negative ? -inner : inner, negative ? 0f : 1f);
        return float.IsNaN(x) ? x : g;
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        var inner = Vector128.FusedMultiplyAdd(u, Vector128.Create(InvSqrt2Pi), minusS);
        // Both branches follow the sign bit of x, so -0 takes the x >= 0 branch as in the scalar form.
        inner = (inner.AsUInt32() ^ (x.AsUInt32() & Vector128.Create(0x80000000u))).AsSingle();
        var step = Vector128.GreaterThanOrEqual(x.AsInt32(), Vector128<int>.Zero).AsSingle() & Vector128.Create(1f);
        var g = Vector128.FusedMultiplyAdd(e, inner, step);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), g, x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        var inner = Vector256.FusedMultiplyAdd(u, Vector256.Create(InvSqrt2Pi), minusS);
        // Both branches follow the sign bit of x, so -0 takes the x >= 0 branch as in the scalar form.
        inner = (inner.AsUInt32() ^ (x.AsUInt32() & Vector256.Create(0x80000000u))).AsSingle();
        var step = Vector256.GreaterThanOrEqual(x.AsInt32(), Vector256<int>.Zero).AsSingle() & Vector256.Create(1f);
        var g = Vector256.FusedMultiplyAdd(e, inner, step);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), g, x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        // With AVX-512 F and DQ, straight from the piecewise table (within about 1.6e-7; NaN propagates, 0 at -inf, 1 at +inf).
        if (NormalTable.IsSupported)
            return NormalTable.GeluGrad(x);
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        var inner = Vector512.FusedMultiplyAdd(u, Vector512.Create(InvSqrt2Pi), minusS);
        // Both branches follow the sign bit of x, so -0 takes the x >= 0 branch as in the scalar form.
        inner = (inner.AsUInt32() ^ (x.AsUInt32() & Vector512.Create(0x80000000u))).AsSingle();
        var step = Vector512.GreaterThanOrEqual(x.AsInt32(), Vector512<int>.Zero).AsSingle() & Vector512.Create(1f);
        var g = Vector512.FusedMultiplyAdd(e, inner, step);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), g, x);
    }
}
