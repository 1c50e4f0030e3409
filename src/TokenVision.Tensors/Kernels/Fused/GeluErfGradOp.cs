using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Derivative of exact GELU: Phi(x) + x phi(x).</summary>
internal readonly struct GeluErfGradOp : IUnaryOp
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        var cdf = 0.5f * (1f + ErfOp.Invoke(x * InvSqrt2));
        return MathF.FusedMultiplyAdd(x * InvSqrt2Pi, MathF.Exp(-0.5f * x * x), cdf);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var cdf = Vector128.Create(0.5f) * (Vector128.Create(1f) + ErfOp.Invoke(x * Vector128.Create(InvSqrt2)));
        return Vector128.FusedMultiplyAdd(x * Vector128.Create(InvSqrt2Pi), ExpOp.Invoke(Vector128.Create(-0.5f) * x * x), cdf);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var cdf = Vector256.Create(0.5f) * (Vector256.Create(1f) + ErfOp.Invoke(x * Vector256.Create(InvSqrt2)));
        return Vector256.FusedMultiplyAdd(x * Vector256.Create(InvSqrt2Pi), ExpOp.Invoke(Vector256.Create(-0.5f) * x * x), cdf);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var cdf = Vector512.Create(0.5f) * (Vector512.Create(1f) + ErfOp.Invoke(x * Vector512.Create(InvSqrt2)));
        return Vector512.FusedMultiplyAdd(x * Vector512.Create(InvSqrt2Pi), ExpOp.Invoke(Vector512.Create(-0.5f) * x * x), cdf);
    }
}
