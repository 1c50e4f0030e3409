using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Derivative of the identity, 1.</summary>
internal readonly struct OneOp : IUnaryOp
{
    /// <summary>Scalar form.</summary>
    public static float Invoke(float x) => 1f;

    /// <summary>Vector form.</summary>
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128<float>.One;

    /// <summary>Vector form.</summary>
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One;

    /// <summary>Vector form.</summary>
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One;
}
