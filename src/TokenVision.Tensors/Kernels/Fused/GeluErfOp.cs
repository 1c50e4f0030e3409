using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>GELU in its exact form, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Hendrycks and Gimpel, 2016).</summary>
/// <remarks>
/// Computed as max(x, 0) - |x| Phi(-|x|) with the normal tail from <see cref="NormalTail"/> (one division, one
/// polynomial, one exp), which has no cancellation for x &lt; 0: the result is within a few ulp of x Phi(x) relative
/// to itself wherever it is a normal float. Special values follow x Phi(x) in IEEE arithmetic: GELU(+inf) = +inf,
/// GELU(-inf) = NaN (as PyTorch), NaN stays NaN, the sign of zero is kept. The 512-bit form uses
/// <see cref="NormalTable"/> instead when AVX-512 DQ is available: the same special values, within 2 ulp or 1e-7
/// absolute, but 0 below x = -5.8 rather than relatively accurate in the far lower tail.
/// </remarks>
internal readonly struct GeluErfOp : IUnaryOp
{
    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        var y = MathF.FusedMultiplyAdd(u * minusS, e, x > 0 ? x : 0f * x);
        return x > -NormalTail.Limit ? y : 0f * x;
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        // maxps returns its second operand for a zero pair or a NaN, so -0 and NaN pass through.
        var y = Vector128.FusedMultiplyAdd(u * minusS, e, Vector128.MaxNative(Vector128<float>.Zero, x));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(-NormalTail.Limit)), y, x * Vector128<float>.Zero);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        // maxps returns its second operand for a zero pair or a NaN, so -0 and NaN pass through.
        var y = Vector256.FusedMultiplyAdd(u * minusS, e, Vector256.MaxNative(Vector256<float>.Zero, x));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(-NormalTail.Limit)), y, x * Vector256<float>.Zero);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        // With AVX-512 F and DQ, x Phi(x) from the piecewise table (within 2 ulp or 1e-7 absolute, -0 below -5.8):
        // about half the instructions of the normal-tail form. -inf * 0 = NaN, +inf * 1 = +inf, -0 * 0.5 = -0.
        if (NormalTable.IsSupported)
            return x * NormalTable.Phi(x);
        var minusS = NormalTail.Evaluate(x, out var u, out var e);
        // maxps returns its second operand for a zero pair or a NaN, so -0 and NaN pass through.
        var y = Vector512.FusedMultiplyAdd(u * minusS, e, Vector512.MaxNative(Vector512<float>.Zero, x));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(-NormalTail.Limit)), y, x * Vector512<float>.Zero);
    }
}
