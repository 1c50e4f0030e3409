using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>An elementwise float operator with scalar and 128/256/512-bit vector forms that compute the same function.</summary>
internal interface IUnaryOp
{
    /// <summary>Applies the operator to one value.</summary>
    static abstract float Invoke(float x);

    /// <summary>Applies the operator to each lane.</summary>
    static abstract Vector128<float> Invoke(Vector128<float> x);

    /// <summary>Applies the operator to each lane.</summary>
    static abstract Vector256<float> Invoke(Vector256<float> x);

    /// <summary>Applies the operator to each lane.</summary>
    static abstract Vector512<float> Invoke(Vector512<float> x);
}
