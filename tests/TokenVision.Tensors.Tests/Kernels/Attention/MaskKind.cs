namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>How the boolean mask of a test case is laid out.</summary>
internal enum MaskKind
{
    /// <summary>No mask.</summary>
    None,
    /// <summary>Dense random [B, H, Nq, Nk], about 30% masked, with some fully masked rows.</summary>
    Random,
    /// <summary>Key padding [B, 1, 1, Nk]: the last keys of each batch entry are masked.</summary>
    KeyPadding,
    /// <summary>[nW, Nq, Nk] with period 2, broadcast over heads.</summary>
    PerWindow,
    /// <summary>Random [B, H, Nk, Nq] storage read transposed.</summary>
    Transposed,
}
