namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Memory layout of Q, K, V, O and the gradients.</summary>
internal enum LayoutKind
{
    /// <summary>Dense [B, H, N, d].</summary>
    Dense,
    /// <summary>Q, K, V inside a packed [B, N, 3, H, d] projection; O and gradients as [B, N, H, d].</summary>
    PackedQkv,
    /// <summary>Every operand with padded rows and gaps between heads and batch entries.</summary>
    Padded,
}
