namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>One attention test problem: sizes, options and the seed of its data.</summary>
internal sealed record AttentionCase(int B, int H, int Nq, int Nk, int D, int Dv)
{
    /// <summary>Causal masking.</summary>
    public bool Causal { get; init; }

    /// <summary>Bias layout.</summary>
    public BiasKind Bias { get; init; }

    /// <summary>Mask layout.</summary>
    public MaskKind Mask { get; init; }

    /// <summary>Operand layout.</summary>
    public LayoutKind Layout { get; init; }

    /// <summary>Explicit scale, or null for 1/√d.</summary>
    public float? Scale { get; init; }

    /// <summary>Standard deviation of Q and K entries (larger gives peakier softmax rows).</summary>
    public float Spread { get; init; } = 1f;

    /// <summary>Data seed.</summary>
    public int Seed { get; init; } = 1;

    /// <inheritdoc/>
    public override string ToString() =>
        $"B{B} H{H} Nq{Nq} Nk{Nk} d{D} dv{Dv}{(Causal ? " causal" : "")}{(Bias != BiasKind.None ? $" bias={Bias}" : "")}" +
        $"{(Mask != MaskKind.None ? $" mask={Mask}" : "")}{(Layout != LayoutKind.Dense ? $" {Layout}" : "")}{(Scale is { } s ? $" scale={s}" : "")}";
}
