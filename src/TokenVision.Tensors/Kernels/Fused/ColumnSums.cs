using System.Buffers;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Deterministic reductions over rows (for parameter gradients such as dgamma, dbeta, dbias): rows are cut into
/// fixed chunks of <see cref="ChunkRows"/>, whatever the thread count; each chunk sums into its own partial row,
/// and the partials are added in chunk order.
/// </summary>
internal static unsafe class ColumnSums
{
    /// <summary>Rows per chunk.</summary>
    public const int ChunkRows = 16;

    /// <summary>Number of chunks for <paramref name="rows"/> rows.</summary>
    public static int Chunks(int rows) => (rows + ChunkRows - 1) / ChunkRows;

    /// <summary>Rents a zeroed buffer for <paramref name="chunks"/> partial rows of <paramref name="width"/> floats.</summary>
    public static float[] Rent(int chunks, int width)
    {
        var buffer = ArrayPool<float>.Shared.Rent(Math.Max(1, chunks * width));
        Array.Clear(buffer, 0, chunks * width);
        return buffer;
    }

    /// <summary>Returns a buffer from <see cref="Rent"/>.</summary>
    public static void Return(float[] buffer) => ArrayPool<float>.Shared.Return(buffer);

    /// <summary>
    /// <c>dst[j] (+)= sum over c of partials[c * stride + offset + j]</c> for j &lt; <paramref name="width"/>, in
    /// chunk order; <paramref name="dst"/> may be null (skipped).
    /// </summary>
    public static void Reduce(float* partials, int chunks, int stride, int offset, float* dst, int width, bool accumulate)
    {
        if (dst == null)
            return;
        var j = 0;
        for (; j + Vector256<float>.Count <= width; j += Vector256<float>.Count)
        {
            var s = accumulate ? Vector256.Load(dst + j) : Vector256<float>.Zero;
            var acc = Vector256<float>.Zero;
            for (var c = 0; c < chunks; c++)
                acc += Vector256.Load(partials + (nint)c * stride + offset + j);
            Vector256.Store(s + acc, dst + j);
        }
        for (; j < width; j++)
        {
            var acc = 0f;
            for (var c = 0; c < chunks; c++)
                acc += partials[(nint)c * stride + offset + j];
            dst[j] = (accumulate ? dst[j] : 0f) + acc;
        }
    }
}
