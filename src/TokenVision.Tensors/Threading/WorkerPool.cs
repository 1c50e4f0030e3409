using System.Diagnostics;

namespace TokenVision.Tensors.Threading;

/// <summary>
/// The engine's fixed worker pool: one thread per core (the caller counts as one), sized from
/// <c>TOKENVISION_NUM_THREADS</c> or the processor count. Work is split into contiguous ranges of output rows,
/// one per thread, so every output element has a single writer and results do not depend on timing.
/// Nested calls from inside a job run on the calling thread.
/// </summary>
/// <remarks>
/// Dispatch does not allocate: a job is published to the workers through fields, each worker spins briefly
/// for the next job before it blocks, and the caller spins briefly for the workers to finish before it blocks.
/// Calls from several threads at once are serialised.
/// </remarks>
public static unsafe class WorkerPool
{
    // How long a waiting thread spins before it blocks: long enough to bridge the gap between consecutive
    // kernels, short enough not to steal a loaded machine's cores.
    private static readonly long s_spinTicks = Stopwatch.Frequency / 10_000; // 100 microseconds

    private static readonly Worker[] s_workers;
    private static readonly Lock s_dispatch = new();
    private static readonly object s_doneGate = new();
    private static int s_threads;

    // The job being run: exactly one of the three bodies is set.
    private static Action<int>? s_partBody;
    private static Action<int, int>? s_rangeBody;
    private static delegate*<void*, int, void> s_pointerBody;
    private static void* s_state;
    private static int s_count;
    private static int s_parts;
    private static int s_pending;
    private static int s_callerSleeping;
    private static Exception? s_error;

    [ThreadStatic]
    private static bool t_insideJob;

    static WorkerPool()
    {
        var env = Environment.GetEnvironmentVariable("TOKENVISION_NUM_THREADS");
        var n = int.TryParse(env, out var v) && v > 0 ? v : Environment.ProcessorCount;
        s_threads = Math.Max(1, n);
        var max = Math.Max(s_threads, Environment.ProcessorCount);
        s_workers = new Worker[max - 1];
        for (var i = 0; i < s_workers.Length; i++)
            s_workers[i] = new Worker(i + 1);
    }

    /// <summary>Threads used by parallel kernels (1 to the pool's size).</summary>
    public static int Threads
    {
        get => s_threads;
        set => s_threads = Math.Clamp(value, 1, s_workers.Length + 1);
    }

    /// <summary>Maximum value <see cref="Threads"/> accepts.</summary>
    public static int MaxThreads => s_workers.Length + 1;

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) split into at most
    /// <see cref="Threads"/> contiguous ranges; each range is at least <paramref name="minChunk"/> long, so
    /// small problems stay on the calling thread.
    /// </summary>
    public static void For(int count, int minChunk, Action<int, int> body)
    {
        if (count <= 0)
            return;
        var parts = Math.Min(Threads, Math.Max(1, count / Math.Max(1, minChunk)));
        if (parts <= 1 || t_insideJob)
        {
            body(0, count);
            return;
        }
        Dispatch(parts, null, body, null, null, count);
    }

    /// <summary>Runs <paramref name="body"/>(part) for part in [0, <paramref name="parts"/>), one part per thread.</summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1 || t_insideJob)
        {
            for (var p = 0; p < parts; p++)
                body(p);
            return;
        }
        // Parts beyond the pool's size run one after another on the threads that have them.
        Dispatch(Math.Min(parts, s_workers.Length + 1), body, null, null, null, parts);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(<paramref name="state"/>, part) for part in [0, <paramref name="parts"/>) with
    /// no allocation; <paramref name="state"/> must stay valid until the call returns (a caller's local is fine).
    /// </summary>
    internal static void Run(int parts, delegate*<void*, int, void> body, void* state)
    {
        if (parts <= 1 || t_insideJob)
        {
            for (var p = 0; p < parts; p++)
                body(state, p);
            return;
        }
        Dispatch(Math.Min(parts, s_workers.Length + 1), null, null, body, state, parts);
    }

    private static void Dispatch(int threads, Action<int>? partBody, Action<int, int>? rangeBody,
        delegate*<void*, int, void> pointerBody, void* state, int count)
    {
        lock (s_dispatch)
        {
            s_partBody = partBody;
            s_rangeBody = rangeBody;
            s_pointerBody = pointerBody;
            s_state = state;
            s_count = count;
            s_parts = threads;
            s_error = null;
            Volatile.Write(ref s_pending, threads - 1);
            for (var p = 1; p < threads; p++)
                s_workers[p - 1].Post(p);
            t_insideJob = true;
            try
            {
                Execute(0);
            }
            catch (Exception e)
            {
                s_error ??= e;
            }
            finally
            {
                t_insideJob = false;
                WaitForWorkers();
                s_partBody = null;
                s_rangeBody = null;
                s_pointerBody = null;
                s_state = null;
            }
            if (s_error is { } error)
                throw new AggregateException("a worker thread failed", error);
        }
    }

    // Runs this thread's share of the current job: thread t of T takes parts t, t + T, ... (Run), or the t-th
    // contiguous range of [0, count) (For).
    private static void Execute(int thread)
    {
        var threads = s_parts;
        if (s_rangeBody is { } range)
        {
            var count = s_count;
            range((int)((long)count * thread / threads), (int)((long)count * (thread + 1) / threads));
            return;
        }
        for (var p = thread; p < s_count; p += threads)
        {
            if (s_partBody is { } part)
                part(p);
            else
                s_pointerBody(s_state, p);
        }
    }

    private static void WaitForWorkers()
    {
        var deadline = Stopwatch.GetTimestamp() + s_spinTicks;
        while (Volatile.Read(ref s_pending) != 0)
        {
            if (Stopwatch.GetTimestamp() > deadline)
                break;
            Thread.SpinWait(4);
        }
        if (Volatile.Read(ref s_pending) == 0)
            return;
        lock (s_doneGate)
        {
            Interlocked.Exchange(ref s_callerSleeping, 1);
            while (Volatile.Read(ref s_pending) != 0)
                Monitor.Wait(s_doneGate);
            Interlocked.Exchange(ref s_callerSleeping, 0);
        }
    }

    private static void WorkerDone()
    {
        if (Interlocked.Decrement(ref s_pending) == 0 && Volatile.Read(ref s_callerSleeping) != 0)
        {
            lock (s_doneGate)
                Monitor.PulseAll(s_doneGate);
        }
    }

    private sealed class Worker
    {
        private readonly object _gate = new();
        private int _sequence;
        private int _part;
        private int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"tokenvision-worker-{index}" };
            thread.Start();
        }

        public void Post(int part)
        {
            _part = part;
            // Full fences on both sides (here and in Loop) so a worker that is about to sleep sees the new job.
            Interlocked.Increment(ref _sequence);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                lock (_gate)
                    Monitor.Pulse(_gate);
            }
        }

        private void Loop()
        {
            t_insideJob = true;
            var seen = 0;
            while (true)
            {
                var deadline = Stopwatch.GetTimestamp() + s_spinTicks;
                while (Volatile.Read(ref _sequence) == seen)
                {
                    if (Stopwatch.GetTimestamp() <= deadline)
                    {
                        Thread.SpinWait(4);
                        continue;
                    }
                    lock (_gate)
                    {
                        Interlocked.Exchange(ref _sleeping, 1);
                        while (Volatile.Read(ref _sequence) == seen)
                            Monitor.Wait(_gate);
                        Interlocked.Exchange(ref _sleeping, 0);
                    }
                }
                seen = Volatile.Read(ref _sequence);
                try
                {
                    Execute(_part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref s_error, e, null);
                }
                finally
                {
                    WorkerDone();
                }
            }
        }
    }
}
