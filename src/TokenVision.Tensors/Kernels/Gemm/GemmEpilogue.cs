using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Work a GEMM does on each output tile while it is still in cache:
/// <c>C[i, j] = act(alpha * sum + beta * C[i, j] + bias[j])</c>.
/// </summary>
internal readonly unsafe struct GemmEpilogue
{
    /// <summary>Creates an epilogue with an optional per-column bias (length N, or null) and an activation.</summary>
    public GemmEpilogue(float* bias, ActivationKind activation = ActivationKind.None)
    {
        Bias = bias;
        Activation = activation;
    }

    /// <summary>Creates an epilogue with an activation and no bias.</summary>
    public GemmEpilogue(ActivationKind activation)
    {
        Activation = activation;
    }

    /// <summary>Per-column bias of length N added to every row of C, or null.</summary>
    public float* Bias { get; }

    /// <summary>Activation applied after the bias.</summary>
    public ActivationKind Activation { get; }

    /// <summary>The empty epilogue: plain <c>alpha * op(A) op(B) + beta * C</c>.</summary>
    public static GemmEpilogue None => default;
}
