namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>How the attention backward splits its work; the choice never depends on the thread count.</summary>
internal enum AttentionBackwardSchedule
{
    /// <summary>
    /// <see cref="OnePass"/> when there are at least 8 (batch, head) pairs or too few keys to split, else
    /// <see cref="SplitKeys"/>.
    /// </summary>
    Auto,

    /// <summary>One work unit per group of (b, h): all of dQ, dK, dV (and that group's dBias) on one thread.</summary>
    OnePass,

    /// <summary>
    /// Work units of (group, key chunk), up to four chunks: each writes dK, dV, dBias for its keys and a partial dQ
    /// over them; a final pass sums the partials in chunk order. For few (b, h) with long sequences (MViT: B = H = 1).
    /// </summary>
    SplitKeys,
}
