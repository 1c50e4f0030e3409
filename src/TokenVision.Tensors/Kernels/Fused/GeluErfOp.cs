using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>GELU in its exact form, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Hendrycks and Gimpel, 2016).</summary>
internal readonly struct GeluErfOp : IUnaryOp
{
    private const float InvSqrt2 = 0.70710678118654752f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        return 0.5f * x * (1f + ErfOp.Invoke(x * InvSqrt2));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        return Vector128.Create(0.5f) * x * (Vector128.Create(1f) + ErfOp.Invoke(x * Vector128.Create(InvSqrt2)));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        return Vector256.Create(0.5f) * x * (Vector256.Create(1f) + ErfOp.Invoke(x * Vector256.Create(InvSqrt2)));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        return Vector512.Create(0.5f) * x * (Vector512.Create(1f) + ErfOp.Invoke(x * Vector512.Create(InvSqrt2)));
    }
}
