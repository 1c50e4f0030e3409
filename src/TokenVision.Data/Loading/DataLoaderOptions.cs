using TokenVision.Data.Transforms;

namespace TokenVision.Data.Loading;

/// <summary>How a <see cref="DataLoader"/> batches, orders and prefetches.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>Items per batch.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Visit the items in a new random order each epoch (seeded by <see cref="Seed"/> and the epoch).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Skip the last batch when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>Dedicated worker threads that load and transform batches; 0 loads on the consumer's thread.</summary>
    public int NumWorkers { get; init; }

    /// <summary>Most batches loaded ahead of the consumer; null means two per worker.</summary>
    public int? PrefetchBatches { get; init; }

    /// <summary>The seed of the shuffle order and of every item's random transforms.</summary>
    public ulong Seed { get; init; }

    /// <summary>Batch-level mixup/CutMix, giving soft targets; null gives int64 labels.</summary>
    public Mixup? Mixup { get; init; }

    /// <summary>How long <see cref="DataLoader.Dispose"/> waits for a worker to finish its current batch.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
