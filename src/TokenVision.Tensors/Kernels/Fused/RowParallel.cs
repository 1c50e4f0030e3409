using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Splits a row kernel across the worker pool by chunks of rows (one writer per output row); small problems
/// stay on the calling thread. Dispatch does not allocate.
/// </summary>
internal static unsafe class RowParallel
{
    // Fewer elements than this per thread are not worth a dispatch.
    private const long MinElementsPerPart = 1 << 15;

    /// <summary>Runs <paramref name="body"/>(state, start, end) over [0, <paramref name="rows"/>).</summary>
    /// <remarks>
    /// Rows are handed out first-come in chunks (about eight per thread), so a thread that starts late or is
    /// descheduled leaves its rows to the others. Every row is computed the same way whichever thread takes it.
    /// </remarks>
    public static void Run(int rows, long rowLength, int threads, delegate*<void*, int, int, void> body, void* state)
    {
        if (rows <= 0)
            return;
        threads = threads <= 0 ? WorkerPool.Threads : Math.Min(threads, WorkerPool.MaxThreads);
        var parts = (int)Math.Clamp((long)rows * Math.Max(1, rowLength) / MinElementsPerPart, 1, Math.Min(threads, rows));
        if (parts <= 1)
        {
            body(state, 0, rows);
            return;
        }
        var chunk = (int)Math.Max(1, Math.Max(rows / (8L * parts), MinElementsPerPart / 4 / Math.Max(1, rowLength)));
        var job = new Job { Body = body, State = state, Rows = rows, Chunk = chunk };
        WorkerPool.Run(parts, &Part, &job);
    }

    private static void Part(void* jobPointer, int part)
    {
        var job = (Job*)jobPointer;
        int start;
        while ((start = Interlocked.Add(ref job->Next, job->Chunk) - job->Chunk) < job->Rows)
            job->Body(job->State, start, Math.Min(job->Rows, start + job->Chunk));
    }

    private struct Job
    {
        public delegate*<void*, int, int, void> Body;
        public void* State;
        public int Rows;
        public int Chunk;
        public int Next;
    }
}
