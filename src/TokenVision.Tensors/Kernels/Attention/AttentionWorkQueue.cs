using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// Hands out work units in chunks of consecutive indices to the pool's threads, first come first served, so a thread
/// that the OS deschedules (a busy machine) takes fewer units instead of holding everyone at the barrier. Each unit
/// writes its own outputs and computes them the same way on any thread, so results stay bitwise identical whatever
/// the thread count or the assignment.
/// </summary>
internal sealed class AttentionWorkQueue
{
    private readonly int _count;
    private readonly int _chunk;
    private int _next;

    private AttentionWorkQueue(int count, int chunk)
    {
        _count = count;
        _chunk = chunk;
    }

    /// <summary>
    /// Runs <paramref name="worker"/> on up to <see cref="WorkerPool.Threads"/> threads; each call takes units from
    /// the queue with <see cref="TryTake"/> until it is empty. Chunks aim at about eight per thread.
    /// </summary>
    public static void Run(int count, Action<AttentionWorkQueue> worker)
    {
        if (count <= 0)
            return;
        var threads = Math.Min(WorkerPool.Threads, count);
        var queue = new AttentionWorkQueue(count, Math.Max(1, count / (8 * threads)));
        if (threads <= 1)
        {
            worker(queue);
            return;
        }
        WorkerPool.Run(threads, _ => worker(queue));
    }

    /// <summary>Takes the next chunk [start, end); false when none is left.</summary>
    public bool TryTake(out int start, out int end)
    {
        start = Interlocked.Add(ref _next, _chunk) - _chunk;
        if (start >= _count)
        {
            end = start;
            return false;
        }
        end = Math.Min(_count, start + _chunk);
        return true;
    }
}
