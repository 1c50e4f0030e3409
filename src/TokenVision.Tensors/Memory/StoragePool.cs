using System.Numerics;

namespace TokenVision.Tensors.Memory;

/// <summary>
/// Process-wide pool of pinned byte blocks, bucketed by size class (four size classes per power of two,
/// so at most 25% of a block is unused). Blocks live on the pinned object heap, so kernels take raw pointers
/// without pinning, and an unreturned block is simply collected by the GC.
/// </summary>
internal static class StoragePool
{
    /// <summary>Blocks are 64-byte aligned: one AVX-512 register or cache line.</summary>
    public const int Alignment = 64;

    private const int SubClasses = 4;
    private static readonly Stack<byte[]>[] s_buckets = CreateBuckets();
    private static readonly long s_maxPooledBytes = 4L << 30;
    private static long s_pooledBytes;
    private static readonly Lock s_lock = new();

    private static Stack<byte[]>[] CreateBuckets()
    {
        var buckets = new Stack<byte[]>[64 * SubClasses];
        for (var i = 0; i < buckets.Length; i++)
            buckets[i] = new Stack<byte[]>();
        return buckets;
    }

    /// <summary>Number of blocks handed out that were not in the pool (for tests and diagnostics).</summary>
    public static long Misses;

    /// <summary>Returns a block of at least <paramref name="bytes"/> bytes plus alignment slack.</summary>
    public static byte[] Rent(long bytes)
    {
        var (bucket, capacity) = SizeClass(bytes);
        lock (s_lock)
        {
            var stack = s_buckets[bucket];
            if (stack.Count > 0)
            {
                var block = stack.Pop();
                s_pooledBytes -= block.Length;
                return block;
            }
        }
        Interlocked.Increment(ref Misses);
        return GC.AllocateUninitializedArray<byte>(checked((int)(capacity + Alignment)), pinned: true);
    }

    /// <summary>Returns a block to the pool (or drops it when the pool is full).</summary>
    public static void Return(byte[] block)
    {
        var (bucket, capacity) = SizeClass(block.Length - Alignment);
        if (capacity + Alignment != block.Length)
            return;
        lock (s_lock)
        {
            if (s_pooledBytes + block.Length > s_maxPooledBytes)
                return;
            s_buckets[bucket].Push(block);
            s_pooledBytes += block.Length;
        }
    }

    /// <summary>Drops every pooled block so the GC can reclaim it.</summary>
    public static void Trim()
    {
        lock (s_lock)
        {
            foreach (var b in s_buckets)
                b.Clear();
            s_pooledBytes = 0;
        }
    }

    private static (int Bucket, long Capacity) SizeClass(long bytes)
    {
        if (bytes <= 256)
            return (0, 256);
        var log = 63 - BitOperations.LeadingZeroCount((ulong)(bytes - 1));   // 2^log < bytes <= 2^(log+1)
        var step = 1L << (log - 2);                                           // quarter of the lower power of two
        var sub = (int)((bytes - 1 - (1L << log)) / step);                   // 0..3
        return (log * SubClasses + sub, (1L << log) + (sub + 1) * step);
    }
}
