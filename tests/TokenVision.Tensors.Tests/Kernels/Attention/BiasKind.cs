namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>How the additive bias of a test case is laid out.</summary>
internal enum BiasKind
{
    /// <summary>No bias.</summary>
    None,
    /// <summary>Dense [B, H, Nq, Nk].</summary>
    Full,
    /// <summary>Relative-position style [H, Nq, Nk], broadcast over the batch.</summary>
    PerHead,
    /// <summary>Swin shift-mask style [nW, Nq, Nk] with batch = images·nW (period 2), broadcast over heads.</summary>
    PerWindow,
    /// <summary>Key padding [B, 1, 1, Nk], broadcast over heads and queries.</summary>
    PerKey,
    /// <summary>[B, H, Nk, Nq] storage read transposed (key stride Nq, query stride 1).</summary>
    Transposed,
    /// <summary>[H, Nq, Nk] with some −∞ entries (bias that masks).</summary>
    WithInfinities,
}
