namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>Elementwise activation applied by fused kernels and GEMM epilogues.</summary>
internal enum ActivationKind
{
    /// <summary>No activation (identity).</summary>
    None = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
    /// <summary>Exact GELU, 0.5 x (1 + erf(x / sqrt 2)).</summary>
    GeluErf = 2,
    /// <summary>GELU in its tanh form.</summary>
    GeluTanh = 3,
}
