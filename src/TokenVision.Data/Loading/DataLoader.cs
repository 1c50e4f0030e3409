using TokenVision.Tensors;

namespace TokenVision.Data.Loading;

/// <summary>
/// Batches a dataset into tensors, loading and transforming ahead of the consumer on dedicated worker threads with
/// bounded prefetch. Results depend only on the seed, the epoch and the dataset, never on the worker count: item i's
/// transforms draw from a generator seeded by (seed, epoch, i), the shuffle order from (seed, epoch), and batches are
/// returned in order. A failure on a worker surfaces in the consumer, at its batch, as a <see cref="DataLoadException"/>
/// naming the item's file.
/// </summary>
/// <example>
/// <code>
/// using var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 256, Shuffle = true, NumWorkers = 2, Seed = 1 });
/// foreach (var batch in loader.Epoch(epoch))
///     using (batch) { /* batch.Images [B, C, H, W], batch.Labels [B] */ }
/// </code>
/// </example>
public sealed class DataLoader : IDisposable
{
    private readonly Lock _runsLock = new();
    private readonly HashSet<EpochRun> _runs = [];
    private bool _disposed;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">The options are out of range, or mixup is on with batches of odd size.</exception>
    public DataLoader(IDataset dataset, DataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new DataLoaderOptions();
        if (options.BatchSize <= 0)
            throw new ArgumentException($"batch size must be positive, got {options.BatchSize}");
        if (options.NumWorkers < 0 || options.NumWorkers > 256)
            throw new ArgumentException($"worker count must be in [0, 256], got {options.NumWorkers}");
        if (options.PrefetchBatches is < 1)
            throw new ArgumentException($"prefetch must be at least one batch, got {options.PrefetchBatches}");
        Dataset = dataset;
        Options = options;
        var n = dataset.Count;
        BatchCount = options.DropLast ? n / options.BatchSize : (n + options.BatchSize - 1) / options.BatchSize;
        if (options.Mixup is not null)
        {
            var last = options.DropLast || n % options.BatchSize == 0 ? options.BatchSize : n % options.BatchSize;
            if (options.BatchSize % 2 != 0 || last % 2 != 0)
                throw new ArgumentException($"mixup needs even batches: batch size {options.BatchSize}, last batch {last} (use an even batch size and DropLast)");
        }
    }

    /// <summary>The dataset.</summary>
    public IDataset Dataset { get; }

    /// <summary>The options.</summary>
    public DataLoaderOptions Options { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>The generator item <paramref name="index"/>'s transforms use in <paramref name="epoch"/>.</summary>
    public static Generator SampleGenerator(ulong seed, int epoch, int index) =>
        new(SeedMixer.Mix(seed, epoch, index, SeedMixer.SampleStream));

    /// <summary>The order items are visited in <paramref name="epoch"/>: a seeded permutation when shuffling, else 0..N-1.</summary>
    public int[] Order(int epoch)
    {
        if (!Options.Shuffle)
            return [.. Enumerable.Range(0, Dataset.Count)];
        return new Generator(SeedMixer.Mix(Options.Seed, epoch, -1, SeedMixer.ShuffleStream)).Permutation(Dataset.Count);
    }

    /// <summary>
    /// The batches of <paramref name="epoch"/>, in order. Workers start with the enumeration and stop when it is disposed
    /// (a <c>foreach</c> does this), when it ends, or when the loader is disposed. Tensors are created on the consuming thread.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Run(epoch);
    }

    private IEnumerable<Batch> Run(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var order = Order(epoch);
        if (Options.NumWorkers == 0)
        {
            for (var b = 0; b < BatchCount; b++)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                yield return ToBatch(BuildBatch(order, epoch, b), epoch, b);
            }
            yield break;
        }
        var run = new EpochRun(this, order, epoch);
        lock (_runsLock)
        {
            if (_disposed)
                throw new ObjectDisposedException(nameof(DataLoader));
            _runs.Add(run);
        }
        try
        {
            run.Start();
            for (var b = 0; b < BatchCount; b++)
                yield return ToBatch(run.Take(b), epoch, b);
        }
        finally
        {
            run.Stop();
            lock (_runsLock)
                _runs.Remove(run);
        }
    }

    private static Batch ToBatch(BatchData d, int epoch, int index)
    {
        var images = Tensor.FromArray(d.Images, [d.Indices.Length, .. d.SampleShape]);
        var labels = d.Targets is { } t
            ? Tensor.FromArray(t, d.Indices.Length, t.Length / d.Indices.Length)
            : Tensor.FromArray(d.Labels, d.Labels.Length);
        return new Batch(images, labels, d.Indices, epoch, index);
    }

    /// <summary>Loads, transforms and collates batch <paramref name="b"/>; failures are <see cref="DataLoadException"/>.</summary>
    private BatchData BuildBatch(int[] order, int epoch, int b)
    {
        var bs = Options.BatchSize;
        var start = b * bs;
        var n = Math.Min(bs, order.Length - start);
        var indices = order.AsSpan(start, n).ToArray();
        float[]? images = null;
        int[]? shape = null;
        var itemSize = 0;
        var labels = new long[n];
        for (var k = 0; k < n; k++)
        {
            var index = indices[k];
            Sample s;
            try
            {
                s = Dataset.Get(index, SampleGenerator(Options.Seed, epoch, index));
            }
            catch (Exception e)
            {
                throw DataLoadException.Wrap(Dataset.Describe(index), index, e);
            }
            if (shape is null)
            {
                shape = s.Shape;
                itemSize = s.Values.Length;
                images = new float[checked(n * itemSize)];
            }
            else if (!shape.AsSpan().SequenceEqual(s.Shape))
            {
                throw new DataLoadException(Dataset.Describe(index), index,
                    $"item shape [{string.Join(", ", s.Shape)}] differs from the batch's [{string.Join(", ", shape)}]; transform items to one size");
            }
            if (s.Values.Length != itemSize)
                throw new DataLoadException(Dataset.Describe(index), index, $"item has {s.Values.Length} values for shape [{string.Join(", ", s.Shape)}]");
            s.Values.CopyTo(images!, k * itemSize);
            labels[k] = s.Label;
        }
        float[]? targets = null;
        if (Options.Mixup is { } mixup)
        {
            if (shape!.Length != 3)
                throw new DataLoadException(Dataset.Describe(indices[0]), indices[0], $"mixup needs [C, H, W] items, got [{string.Join(", ", shape)}]");
            var g = new Generator(SeedMixer.Mix(Options.Seed, epoch, b, SeedMixer.MixupStream));
            try
            {
                targets = mixup.Apply(images, n, shape[0], shape[1], shape[2], labels, g);
            }
            catch (ArgumentException e)
            {
                throw new DataLoadException($"batch {b} of epoch {epoch}", indices[0], $"mixup failed: {e.Message}", e);
            }
        }
        return new BatchData(images!, shape!, labels, targets, indices);
    }

    /// <summary>Stops every running epoch and waits (up to the shutdown timeout) for the workers.</summary>
    public void Dispose()
    {
        EpochRun[] runs;
        lock (_runsLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            runs = [.. _runs];
        }
        foreach (var r in runs)
            r.Stop();
    }

    private sealed record BatchData(float[] Images, int[] SampleShape, long[] Labels, float[]? Targets, int[] Indices);

    /// <summary>The workers of one epoch: they claim batch numbers in order, at most <c>prefetch</c> ahead of the consumer.</summary>
    private sealed class EpochRun(DataLoader loader, int[] order, int epoch)
    {
        private readonly object _gate = new();
        private readonly Dictionary<int, (BatchData? Data, Exception? Error)> _ready = [];
        private readonly int _prefetch = loader.Options.PrefetchBatches ?? 2 * loader.Options.NumWorkers;
        private Thread[] _threads = [];
        private int _next;
        private int _consumed;
        private int _alive;
        private bool _stopped;

        public void Start()
        {
            var n = Math.Min(loader.Options.NumWorkers, Math.Max(loader.BatchCount, 1));
            _threads = new Thread[n];
            _alive = n;
            for (var i = 0; i < n; i++)
            {
                _threads[i] = new Thread(Work) { IsBackground = true, Name = $"DataLoader worker {i} (epoch {epoch})" };
                _threads[i].Start();
            }
        }

        private void Work()
        {
            try
            {
                while (true)
                {
                    int b;
                    lock (_gate)
                    {
                        while (!_stopped && _next < loader.BatchCount && _next >= _consumed + _prefetch)
                            Monitor.Wait(_gate);
                        if (_stopped || _next >= loader.BatchCount)
                            return;
                        b = _next++;
                    }
                    (BatchData?, Exception?) result;
                    try
                    {
                        result = (loader.BuildBatch(order, epoch, b), null);
                    }
                    catch (Exception e)
                    {
                        result = (null, e);
                    }
                    lock (_gate)
                    {
                        if (_stopped)
                            return;
                        _ready[b] = result;
                        Monitor.PulseAll(_gate);
                        if (result.Item2 is not null)
                            return;
                    }
                }
            }
            finally
            {
                lock (_gate)
                {
                    _alive--;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public BatchData Take(int b)
        {
            (BatchData? Data, Exception? Error) r;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopped)
                        throw new ObjectDisposedException(nameof(DataLoader), "the data loader was disposed during the epoch");
                    if (_ready.TryGetValue(b, out r))
                        break;
                    if (_alive == 0)
                        throw new InvalidOperationException($"data loader workers ended before batch {b} of epoch {epoch} was produced");
                    Monitor.Wait(_gate);
                }
                _ready.Remove(b);
                _consumed = b + 1;
                Monitor.PulseAll(_gate);
            }
            if (r.Error is not null)
            {
                if (r.Error is DataLoadException d)
                    throw new DataLoadException(d.Source, d.Index, d.Message, d);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(r.Error);
            }
            return r.Data!;
        }

        public void Stop()
        {
            lock (_gate)
            {
                _stopped = true;
                _ready.Clear();
                Monitor.PulseAll(_gate);
            }
            var deadline = DateTime.UtcNow + loader.Options.ShutdownTimeout;
            foreach (var t in _threads)
            {
                if (t == Thread.CurrentThread)
                    continue;
                var left = deadline - DateTime.UtcNow;
                t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
        }
    }
}
