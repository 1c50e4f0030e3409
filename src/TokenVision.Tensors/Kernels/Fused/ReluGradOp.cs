using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Derivative of ReLU: 1 where x &gt; 0, else 0.</summary>
internal readonly struct ReluGradOp : IUnaryOp
{
    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        return x > 0f ? 1f : 0f;
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(0f)), Vector128.Create(1f), Vector128.Create(0f));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(0f)), Vector256.Create(1f), Vector256.Create(0f));
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(0f)), Vector512.Create(1f), Vector512.Create(0f));
    }
}
