namespace TokenVision.Tensors.Threading;

/// <summary>
/// The engine's fixed worker pool: one thread per core (the caller counts as one), sized from
/// <c>TOKENVISION_NUM_THREADS</c> or the processor count. Work is split into contiguous ranges of output rows,
/// one per thread, so every output element has a single writer and results do not depend on timing.
/// Nested calls from inside a job run on the calling thread.
/// </summary>
public static class WorkerPool
{
    private static readonly Worker[] s_workers;
    private static readonly Lock s_dispatch = new();
    private static int s_threads;

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
        Run(parts, p => body((int)((long)count * p / parts), (int)((long)count * (p + 1) / parts)));
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
        parts = Math.Min(parts, s_workers.Length + 1);
        lock (s_dispatch)
        {
            using var done = new CountdownEvent(parts - 1);
            Exception? error = null;
            for (var p = 1; p < parts; p++)
                s_workers[p - 1].Start(body, p, done, e => error ??= e);
            t_insideJob = true;
            try
            {
                body(0);
            }
            finally
            {
                t_insideJob = false;
                done.Wait();
            }
            if (error is not null)
                throw new AggregateException("a worker thread failed", error);
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _signal = new(0);
        private Action<int>? _body;
        private int _part;
        private CountdownEvent? _done;
        private Action<Exception>? _onError;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"tokenvision-worker-{index}" };
            thread.Start();
        }

        public void Start(Action<int> body, int part, CountdownEvent done, Action<Exception> onError)
        {
            _body = body;
            _part = part;
            _done = done;
            _onError = onError;
            _signal.Release();
        }

        private void Loop()
        {
            t_insideJob = true;
            while (true)
            {
                _signal.Wait();
                try
                {
                    _body!(_part);
                }
                catch (Exception e)
                {
                    _onError!(e);
                }
                finally
                {
                    _body = null;
                    _done!.Signal();
                }
            }
        }
    }
}
