using System.Runtime.CompilerServices;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// A float operand [B, H, N, D] of the attention kernels, addressed through element strides for the batch,
/// head and token dimensions; the last (feature) dimension is contiguous. Strides let a caller pass views such
/// as q, k and v inside a packed qkv projection [B, N, 3, H, d] (batch stride N·3·H·d, head stride d, token
/// stride 3·H·d), or have the output written straight into [B, N, H, dv].
/// </summary>
/// <param name="data">Element [0, 0, 0, 0].</param>
/// <param name="batchStride">Elements between consecutive batch entries.</param>
/// <param name="headStride">Elements between consecutive heads.</param>
/// <param name="rowStride">Elements between consecutive tokens.</param>
internal readonly unsafe struct AttentionOperand(float* data, long batchStride, long headStride, long rowStride)
{
    /// <summary>Element [0, 0, 0, 0].</summary>
    public float* Data { get; } = data;

    /// <summary>Elements between consecutive batch entries.</summary>
    public long BatchStride { get; } = batchStride;

    /// <summary>Elements between consecutive heads.</summary>
    public long HeadStride { get; } = headStride;

    /// <summary>Elements between consecutive tokens.</summary>
    public long RowStride { get; } = rowStride;

    /// <summary>A dense [B, H, N, D] operand.</summary>
    public static AttentionOperand Dense(float* data, int heads, int tokens, int features) =>
        new(data, (long)heads * tokens * features, (long)tokens * features, features);

    /// <summary>Start of the (<paramref name="b"/>, <paramref name="h"/>) matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Matrix(int b, int h) => Data + b * BatchStride + h * HeadStride;
}
