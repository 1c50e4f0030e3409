using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Derivative of the tanh form of GELU.</summary>
/// <remarks>With s = sigmoid(2 k u), u = x + 0.044715 x^3, k = sqrt(2/pi): d/dx = s + x s (1 - s) 2 k (1 + 3 * 0.044715 x^2).</remarks>
internal readonly struct GeluTanhGradOp : IUnaryOp
{
    private const float TwoK = 1.5957691216057308f;
    private const float Coef = 0.044715f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        var u = x * MathF.FusedMultiplyAdd(Coef * x, x, 1f);
        var s = 1f / (1f + ExpOp.InvokeClamped(-TwoK * u));
        var du = TwoK * MathF.FusedMultiplyAdd(3f * Coef * x, x, 1f);
        return MathF.FusedMultiplyAdd(x * s * (1f - s), du, s);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var u = x * Vector128.FusedMultiplyAdd(Vector128.Create(Coef) * x, x, Vector128.Create(1f));
        var s = Vector128.Create(1f) / (Vector128.Create(1f) + ExpOp.InvokeClamped(Vector128.Create(-TwoK) * u));
        var du = Vector128.Create(TwoK) * Vector128.FusedMultiplyAdd(Vector128.Create(3f * Coef) * x, x, Vector128.Create(1f));
        return Vector128.FusedMultiplyAdd(x * s * (Vector128.Create(1f) - s), du, s);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var u = x * Vector256.FusedMultiplyAdd(Vector256.Create(Coef) * x, x, Vector256.Create(1f));
        var s = Vector256.Create(1f) / (Vector256.Create(1f) + ExpOp.InvokeClamped(Vector256.Create(-TwoK) * u));
        var du = Vector256.Create(TwoK) * Vector256.FusedMultiplyAdd(Vector256.Create(3f * Coef) * x, x, Vector256.Create(1f));
        return Vector256.FusedMultiplyAdd(x * s * (Vector256.Create(1f) - s), du, s);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var u = x * Vector512.FusedMultiplyAdd(Vector512.Create(Coef) * x, x, Vector512.Create(1f));
        var s = Vector512.Create(1f) / (Vector512.Create(1f) + ExpOp.InvokeClamped(Vector512.Create(-TwoK) * u));
        var du = Vector512.Create(TwoK) * Vector512.FusedMultiplyAdd(Vector512.Create(3f * Coef) * x, x, Vector512.Create(1f));
        return Vector512.FusedMultiplyAdd(x * s * (Vector512.Create(1f) - s), du, s);
    }
}
