using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>GELU in its tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
/// <remarks>
/// Computed as x * sigmoid(2u), which equals the tanh form and needs one exp (the clamped form: e^w overflows to +inf
/// for large negative x, giving -0 as the tanh form does).
/// </remarks>
internal readonly struct GeluTanhOp : IUnaryOp
{
    // -2 sqrt(2/pi): sigmoid(2 sqrt(2/pi) u) = 1 / (1 + exp(TwoK u)).
    private const float TwoK = -1.5957691216057308f;
    private const float Coef = 0.044715f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        var u = x * MathF.FusedMultiplyAdd(Coef * x, x, 1f);
        return x / (1f + ExpOp.InvokeClamped(TwoK * u));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var u = x * Vector128.FusedMultiplyAdd(Vector128.Create(Coef) * x, x, Vector128.Create(1f));
        return x / (Vector128.Create(1f) + ExpOp.InvokeClamped(Vector128.Create(TwoK) * u));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var u = x * Vector256.FusedMultiplyAdd(Vector256.Create(Coef) * x, x, Vector256.Create(1f));
        return x / (Vector256.Create(1f) + ExpOp.InvokeClamped(Vector256.Create(TwoK) * u));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var u = x * Vector512.FusedMultiplyAdd(Vector512.Create(Coef) * x, x, Vector512.Create(1f));
        return x / (Vector512.Create(1f) + ExpOp.InvokeClamped(Vector512.Create(TwoK) * u));
    }
}
