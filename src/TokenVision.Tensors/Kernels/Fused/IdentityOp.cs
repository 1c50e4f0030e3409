using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Identity, x.</summary>
internal readonly struct IdentityOp : IUnaryOp
{
    /// <summary>Scalar form.</summary>
    public static float Invoke(float x) => x;

    /// <summary>Vector form.</summary>
    public static Vector128<float> Invoke(Vector128<float> x) => x;

    /// <summary>Vector form.</summary>
    public static Vector256<float> Invoke(Vector256<float> x) => x;

    /// <summary>Vector form.</summary>
    public static Vector512<float> Invoke(Vector512<float> x) => x;
}
