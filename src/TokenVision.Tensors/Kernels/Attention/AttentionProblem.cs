namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// The inputs of one scaled-dot-product attention: O = softmax(scale · Q·Kᵀ + bias, masked) · V over
/// B batch entries and H heads, with Q [B, H, Nq, d], K [B, H, Nk, d], V [B, H, Nk, dv].
/// </summary>
/// <remarks>
/// Masking (PyTorch <c>scaled_dot_product_attention</c> semantics): a masked score (mask byte 0, or key j &gt; query i
/// under <see cref="Causal"/>, top-left aligned like <c>torch.ones(Nq, Nk).tril()</c>) becomes −∞ before the softmax.
/// A row with every score −∞ (fully masked, or Nk = 0) yields a zero output row and log-sum-exp +∞, whose gradient is
/// zero. This matches current PyTorch (its SDPA math path zeroes such rows with <c>_safe_softmax</c>, and its fused
/// kernels return zeros); a plain softmax, as in PyTorch before 2.5, gives NaN.
/// </remarks>
internal readonly struct AttentionProblem
{
    /// <summary>Batch entries B.</summary>
    public required int Batch { get; init; }

    /// <summary>Heads H.</summary>
    public required int Heads { get; init; }

    /// <summary>Query tokens Nq.</summary>
    public required int QueryLength { get; init; }

    /// <summary>Key and value tokens Nk.</summary>
    public required int KeyLength { get; init; }

    /// <summary>Query and key features d.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Value features dv (often equal to d).</summary>
    public required int ValueDim { get; init; }

    /// <summary>Queries [B, H, Nq, d].</summary>
    public required AttentionOperand Query { get; init; }

    /// <summary>Keys [B, H, Nk, d].</summary>
    public required AttentionOperand Key { get; init; }

    /// <summary>Values [B, H, Nk, dv].</summary>
    public required AttentionOperand Value { get; init; }

    /// <summary>Score scale; null means 1/√d (PyTorch's default).</summary>
    public float? Scale { get; init; }

    /// <summary>Optional additive bias broadcast to [B, H, Nq, Nk] (may hold −∞, which masks).</summary>
    public ScoreTerm<float> Bias { get; init; }

    /// <summary>Optional boolean mask broadcast to [B, H, Nq, Nk]: nonzero = attend, 0 = masked.</summary>
    public ScoreTerm<byte> Mask { get; init; }

    /// <summary>Causal masking: query i attends to keys j ≤ i (top-left aligned when Nq ≠ Nk).</summary>
    public bool Causal { get; init; }

    /// <summary>The scale actually applied: <see cref="Scale"/> or 1/√d.</summary>
    public float EffectiveScale => Scale ?? 1f / MathF.Sqrt(HeadDim);

    /// <summary>Throws when a size is out of range or a required pointer is null.</summary>
    public unsafe void Validate()
    {
        if (Batch < 0 || Heads < 0 || QueryLength < 0 || KeyLength < 0)
            throw new ArgumentOutOfRangeException(nameof(Batch), $"attention: sizes must be non-negative, got B={Batch} H={Heads} Nq={QueryLength} Nk={KeyLength}");
        if (HeadDim < 1 || ValueDim < 1)
            throw new ArgumentOutOfRangeException(nameof(HeadDim), $"attention: feature sizes must be positive, got d={HeadDim} dv={ValueDim}");
        if (Batch * Heads * QueryLength > 0 && Query.Data == null)
            throw new ArgumentNullException(nameof(Query), "attention: query data is null");
        if (Batch * Heads * KeyLength > 0 && (Key.Data == null || Value.Data == null))
            throw new ArgumentNullException(nameof(Key), "attention: key or value data is null");
        if (float.IsNaN(EffectiveScale) || float.IsInfinity(EffectiveScale))
            throw new ArgumentOutOfRangeException(nameof(Scale), $"attention: scale must be finite, got {EffectiveScale}");
    }
}
