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
/// for the next job before it blocks, and the caller spins briefly for the parts to finish before it blocks.
/// Parts are claimed first-come by the caller and the woken workers, so a worker that wakes late leaves its
/// parts to the others rather than holding up the call. Calls from several threads at once are serialised.
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

    // The job being run: exactly one of the three bodies is set. s_claim holds the job's generation (high 32
    // bits) and the next unclaimed part (low 32 bits); s_done counts finished parts.
    private static Action<int>? s_partBody;
    private static Action<int, int>? s_rangeBody;
    private static delegate*<void*, int, void> s_pointerBody;
    private static void* s_state;
    private static int s_rangeCount;
    private static int s_count;
    private static long s_generation;
    private static long s_claim;
    private static int s_done;
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

    /// <summary>Runs <paramref name="body"/>(part) for every part in [0, <paramref name="parts"/>).</summary>
    /// <remarks>
    /// At most <see cref="Threads"/> threads take part (the caller and min(parts, Threads) - 1 workers). Every part
    /// runs exactly once; when there are more parts than threads, each thread claims the next unclaimed part as it
    /// finishes one, so which thread runs a part varies from run to run. Results are bitwise reproducible for a
    /// given thread count as long as what a part computes does not depend on the thread that runs it (split the
    /// work by part index, as the kernels do). Calls from inside a job run every part on the calling thread.
    /// </remarks>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1 || t_insideJob || s_threads <= 1)
        {
            for (var p = 0; p < parts; p++)
                body(p);
            return;
        }
        Dispatch(Math.Min(parts, s_threads), body, null, null, null, parts);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(<paramref name="state"/>, part) for every part in [0, <paramref name="parts"/>)
    /// with no allocation; <paramref name="state"/> must stay valid until the call returns (a caller's local is fine).
    /// Threads and part claiming as for <see cref="Run(int, Action{int})"/>.
    /// </summary>
    internal static void Run(int parts, delegate*<void*, int, void> body, void* state)
    {
        if (parts <= 1 || t_insideJob || s_threads <= 1)
        {
            for (var p = 0; p < parts; p++)
                body(state, p);
            return;
        }
        Dispatch(Math.Min(parts, s_threads), null, null, body, state, parts);
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
            s_rangeCount = count;
            // For splits [0, count) into `threads` ranges; Run has `count` parts.
            s_count = rangeBody is null ? count : threads;
            s_done = 0;
            s_error = null;
            s_generation++;
            Interlocked.Exchange(ref s_claim, s_generation << 32);
            for (var w = 0; w < threads - 1; w++)
                s_workers[w].Post();
            t_insideJob = true;
            try
            {
                Participate();
            }
            finally
            {
                t_insideJob = false;
            }
            WaitForDone();
            // Close the job: a worker that wakes late finds nothing to claim and never touches the fields below.
            Interlocked.Exchange(ref s_claim, (s_generation << 32) | int.MaxValue);
            s_partBody = null;
            s_rangeBody = null;
            s_pointerBody = null;
            s_state = null;
            if (s_error is { } error)
                throw new AggregateException("a worker thread failed", error);
        }
    }

    // Claims and runs parts of the current job until none are left. Parts go to whichever thread asks first, so
    // the caller does the work of a worker that starts late instead of waiting for it; every part still runs
    // exactly once, and which thread runs it does not change what it computes.
    private static void Participate()
    {
        while (true)
        {
            var claim = Volatile.Read(ref s_claim);
            var part = (int)(claim & 0xFFFFFFFF);
            if (part >= Volatile.Read(ref s_count))
                return;
            if (Interlocked.CompareExchange(ref s_claim, claim + 1, claim) != claim)
                continue;
            try
            {
                RunPart(part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref s_error, e, null);
            }
            if (Interlocked.Increment(ref s_done) == s_count && Volatile.Read(ref s_callerSleeping) != 0)
            {
                lock (s_doneGate)
                    Monitor.PulseAll(s_doneGate);
            }
        }
    }

    private static void RunPart(int part)
    {
        if (s_rangeBody is { } range)
        {
            long total = s_rangeCount;
            range((int)(total * part / s_count), (int)(total * (part + 1) / s_count));
        }
        else if (s_partBody is { } body)
        {
            body(part);
        }
        else
        {
            s_pointerBody(s_state, part);
        }
    }

    private static void WaitForDone()
    {
        var deadline = Stopwatch.GetTimestamp() + s_spinTicks;
        while (Volatile.Read(ref s_done) != s_count)
        {
            if (Stopwatch.GetTimestamp() > deadline)
                break;
            Thread.SpinWait(4);
        }
        if (Volatile.Read(ref s_done) == s_count)
            return;
        lock (s_doneGate)
        {
            Interlocked.Exchange(ref s_callerSleeping, 1);
            while (Volatile.Read(ref s_done) != s_count)
                Monitor.Wait(s_doneGate);
            Interlocked.Exchange(ref s_callerSleeping, 0);
        }
    }

    private sealed class Worker
    {
        private readonly object _gate = new();
        private int _sequence;
        private int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"tokenvision-worker-{index}" };
            thread.Start();
        }

        public void Post()
        {
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
                Participate();
            }
        }
    }
}
