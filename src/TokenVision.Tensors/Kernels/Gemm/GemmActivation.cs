namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>Activation a GEMM epilogue applies to each output element after the bias.</summary>
internal enum GemmActivation
{
    /// <summary>No activation.</summary>
    None = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
    /// <summary>Exact GELU, 0.5 x (1 + erf(x / sqrt 2)).</summary>
    GeluErf = 2,
    /// <summary>GELU in its tanh form.</summary>
    GeluTanh = 3,
}
