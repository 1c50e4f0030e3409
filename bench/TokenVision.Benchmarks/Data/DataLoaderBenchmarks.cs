using BenchmarkDotNet.Attributes;
using TokenVision.Benchmarks.IO.Png;
using TokenVision.Data.Datasets;
using TokenVision.Data.Loading;
using TokenVision.Data.Transforms;

namespace TokenVision.Benchmarks.Data;

/// <summary>
/// DataLoader throughput on Fashion-MNIST train (28x28 gray) with RandAugment <c>rand-m9-mstd0.5-inc1</c>, horizontal
/// flip, to-tensor and normalise, batch 256, shuffled. One operation is one sample, so samples/s = 1e9 / mean (ns).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class DataLoaderBenchmarks
{
    private const int Batches = 40;
    private const int BatchSize = 256;

    private IdxDataset _dataset = null!;
    private int _epoch;

    /// <summary>Worker threads (0 = on the consumer thread).</summary>
    [Params(0, 1, 2)]
    public int Workers { get; set; }

    /// <summary>Reads the 60,000 training images into memory.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var data = Path.GetFullPath(Path.Combine(BenchFixtures.Path("."), "..", "data", "fashion-mnist"));
        var transform = new Compose(
            [RandAugment.Parse("rand-m9-mstd0.5-inc1", new RandAugmentOptions { Fill = [73] }), new RandomHorizontalFlip()],
            new ToTensorNormalize([0.2860f], [0.3530f]));
        _dataset = new IdxDataset(Path.Combine(data, "train-images-idx3-ubyte.gz"), Path.Combine(data, "train-labels-idx1-ubyte.gz"), transform);
    }

    /// <summary>40 batches of 256 (a fresh epoch each time, so workers start up inside the measurement).</summary>
    [Benchmark(OperationsPerInvoke = Batches * BatchSize)]
    public int Load()
    {
        using var loader = new DataLoader(_dataset, new DataLoaderOptions { BatchSize = BatchSize, Shuffle = true, NumWorkers = Workers, Seed = 1 });
        var n = 0;
        foreach (var b in loader.Epoch(_epoch++).Take(Batches))
        {
            using (b)
                n += b.Count;
        }
        return n;
    }
}
