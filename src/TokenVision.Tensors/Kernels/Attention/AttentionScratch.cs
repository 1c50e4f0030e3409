namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// Per-thread working memory of the attention kernels: one pinned, zero-initialised float block that grows on
/// demand and is kept for the thread's lifetime (the pool's workers are long-lived), so steady-state calls do
/// not allocate. Sizes are O((Nq + Nk)·(d + dv)) plus a few tiles — never O(Nq·Nk).
/// </summary>
internal static unsafe class AttentionScratch
{
    /// <summary>Floats per 64-byte line; every region starts on a line.</summary>
    public const int Line = 16;

    [ThreadStatic]
    private static float[]? t_block;

    /// <summary>Rounds a float count up to whole lines.</summary>
    public static long Round(long floats) => (floats + Line - 1) & ~(long)(Line - 1);

    /// <summary>
    /// A 64-byte aligned region of at least <paramref name="floats"/> floats for the calling thread. The previous
    /// contents are kept when the block does not grow; callers initialise what they read.
    /// </summary>
    public static float* Get(long floats)
    {
        var block = t_block;
        if (block is null || block.Length < floats + Line)
        {
            var size = checked((int)Math.Max(floats + Line, (block?.Length ?? 0) * 3L / 2));
            block = GC.AllocateArray<float>(size, pinned: true);
            t_block = block;
        }
        fixed (float* p = block)
        {
            // The array is on the pinned heap, so the pointer stays valid after the fixed scope.
            return (float*)(((nint)p + 63) & ~(nint)63);
        }
    }
}
