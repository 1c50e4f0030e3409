using System.Runtime.CompilerServices;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// An optional operand shaped like the attention scores [B, H, Nq, Nk] — an additive bias (<c>float</c>), a
/// boolean mask (<c>byte</c>, nonzero = attend) or the gradient of a bias — addressed through element strides
/// where a stride of 0 broadcasts that dimension. With <see cref="BatchPeriod"/> &gt; 0 the batch index is taken
/// modulo the period before the stride applies, for masks indexed by window when the batch is B·nW windows.
/// </summary>
/// <remarks>
/// Examples: relative-position bias [H, Nq, Nk] shared over the batch: strides (0, Nq·Nk, Nk, 1).
/// Swin shift mask [nW, N, N] with batch = B·nW and heads broadcast: strides (N·N, 0, N, 1), period nW.
/// Key-padding mask [B, Nk]: strides (Nk, 0, 0, 1). A full [B, H, Nq, Nk] term: (H·Nq·Nk, Nq·Nk, Nk, 1).
/// A gradient term sums over its broadcast dimensions; its non-zero strides must address distinct elements.
/// </remarks>
/// <typeparam name="T"><c>float</c> for biases and their gradients, <c>byte</c> for masks.</typeparam>
/// <param name="data">Element [0, 0, 0, 0], or null for “absent”.</param>
/// <param name="batchStride">Elements between batch entries (0 = broadcast).</param>
/// <param name="headStride">Elements between heads (0 = broadcast).</param>
/// <param name="queryStride">Elements between query rows (0 = broadcast).</param>
/// <param name="keyStride">Elements between keys (0 = broadcast; 1 is the fast path).</param>
/// <param name="batchPeriod">When &gt; 0, the batch index is reduced modulo this period.</param>
internal readonly unsafe struct ScoreTerm<T>(T* data, long batchStride, long headStride, long queryStride, long keyStride, int batchPeriod = 0)
    where T : unmanaged
{
    /// <summary>Element [0, 0, 0, 0], or null when the term is absent.</summary>
    public T* Data { get; } = data;

    /// <summary>Elements between batch entries (0 = broadcast).</summary>
    public long BatchStride { get; } = batchStride;

    /// <summary>Elements between heads (0 = broadcast).</summary>
    public long HeadStride { get; } = headStride;

    /// <summary>Elements between query rows (0 = broadcast).</summary>
    public long QueryStride { get; } = queryStride;

    /// <summary>Elements between keys (0 = broadcast).</summary>
    public long KeyStride { get; } = keyStride;

    /// <summary>When &gt; 0, the batch index is reduced modulo this period before <see cref="BatchStride"/> applies.</summary>
    public int BatchPeriod { get; } = batchPeriod;

    /// <summary>True when the term is present.</summary>
    public bool IsPresent => Data != null;

    /// <summary>The absent term.</summary>
    public static ScoreTerm<T> None => default;

    /// <summary>A dense [B, H, Nq, Nk] term.</summary>
    public static ScoreTerm<T> Dense(T* data, int heads, int queries, int keys) =>
        new(data, (long)heads * queries * keys, (long)queries * keys, keys, 1);

    /// <summary>Batch index after the period is applied (0 when the batch dimension broadcasts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int BatchIndex(int b) => BatchStride == 0 ? 0 : BatchPeriod > 0 ? b % BatchPeriod : b;

    /// <summary>Head index (0 when the head dimension broadcasts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int HeadIndex(int h) => HeadStride == 0 ? 0 : h;

    /// <summary>Start of the (<paramref name="b"/>, <paramref name="h"/>) [Nq, Nk] plane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T* Plane(int b, int h) => Data + BatchIndex(b) * BatchStride + HeadIndex(h) * HeadStride;
}
