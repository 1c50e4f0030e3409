using TokenVision.Data.Datasets;
using TokenVision.Data.Loading;
using TokenVision.Data.Transforms;
using TokenVision.Tensors;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Data.Tests.Loading;

public sealed class DataLoaderTests
{
    /// <summary>Runs <paramref name="body"/> with a deadline, so a deadlock fails the test instead of hanging the run.</summary>
    private static void WithinSeconds(int seconds, Action body)
    {
        var task = Task.Run(body);
        if (!task.Wait(TimeSpan.FromSeconds(seconds)))
            Assert.Fail($"did not finish within {seconds} s");
        task.GetAwaiter().GetResult();
    }

    private static IdxDataset SyntheticIdx(int n, Compose? transform)
    {
        var pixels = new byte[n * 28 * 28];
        new Random(1).NextBytes(pixels);
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        return new IdxDataset(new IdxArray([n, 28, 28], pixels), new IdxArray([n], labels), transform);
    }

    private static Compose Augment() => new(
        [RandAugment.Parse("rand-m9-mstd0.5-inc1", new RandAugmentOptions { Fill = [0] }), new RandomHorizontalFlip()],
        new ToTensorNormalize([0.286f], [0.353f]),
        [new RandomErasing(0.25)]);

    private static List<(float[] X, long[] Y, int[] Idx)> Collect(DataLoader loader, int epoch)
    {
        var result = new List<(float[], long[], int[])>();
        foreach (var b in loader.Epoch(epoch))
            using (b)
                result.Add((b.Images.ToArray(), b.Labels.ToInt64Array(), b.Indices.ToArray()));
        return result;
    }

    [Fact]
    public void Batches_HaveShapesLabelsAndCount()
    {
        var ds = new TensorDataset(Enumerable.Range(0, 10 * 6).Select(i => (float)i).ToArray(), [10, 2, 3], [.. Enumerable.Range(0, 10).Select(i => (long)i)]);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 4 });

        var batches = Collect(loader, 0);

        Assert.Equal(3, loader.BatchCount);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Y.Length));
        Assert.Equal([8, 9], batches[2].Y);
        Assert.Equal(Enumerable.Range(48, 12).Select(i => (float)i), batches[2].X);
        using var dropLast = new DataLoader(ds, new DataLoaderOptions { BatchSize = 4, DropLast = true });
        Assert.Equal(2, dropLast.BatchCount);
        Assert.Equal(2, Collect(dropLast, 0).Count);
    }

    [Fact]
    public void Batch_TensorsHaveBatchShape()
    {
        using var loader = new DataLoader(SyntheticIdx(20, null), new DataLoaderOptions { BatchSize = 8, NumWorkers = 2 });

        WithinSeconds(30, () =>
        {
            using var b = loader.Epoch(0).First();
            Assert.Equal([8, 1, 28, 28], b.Images.Shape.ToArray());
            Assert.Equal(DType.Int64, b.Labels.DType);
            Assert.Equal([8], b.Labels.Shape.ToArray());
        });
    }

    /// <summary>Every sample's randomness comes from (seed, epoch, index), so the worker count changes nothing.</summary>
    [Fact]
    public void Results_DoNotDependOnWorkerCount()
    {
        var ds = SyntheticIdx(70, Augment());
        List<(float[] X, long[] Y, int[] Idx)>? reference = null;
        WithinSeconds(120, () =>
        {
            foreach (var workers in new[] { 0, 1, 2, 3 })
            {
                using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 16, Shuffle = true, NumWorkers = workers, Seed = 123, PrefetchBatches = workers == 3 ? 1 : null });
                var got = Collect(loader, 2);
                if (reference is null)
                {
                    reference = got;
                    continue;
                }
                Assert.Equal(reference.Count, got.Count);
                for (var i = 0; i < got.Count; i++)
                {
                    Assert.Equal(reference[i].Idx, got[i].Idx);
                    Assert.Equal(reference[i].Y, got[i].Y);
                    Assert.Equal(reference[i].X, got[i].X);
                }
            }
        });
    }

    [Fact]
    public void Shuffle_IsAPermutation_SeededPerEpoch()
    {
        using var loader = new DataLoader(SyntheticIdx(50, null), new DataLoaderOptions { Shuffle = true, Seed = 7 });
        using var same = new DataLoader(SyntheticIdx(50, null), new DataLoaderOptions { Shuffle = true, Seed = 7 });

        Assert.Equal(Enumerable.Range(0, 50), loader.Order(0).Order());
        Assert.Equal(loader.Order(3), same.Order(3));
        Assert.NotEqual(loader.Order(0), loader.Order(1));
        Assert.Equal(Enumerable.Range(0, 50), new DataLoader(SyntheticIdx(50, null)).Order(5));
    }

    [Fact]
    public void Epochs_DrawDifferentAugmentations()
    {
        using var loader = new DataLoader(SyntheticIdx(16, Augment()), new DataLoaderOptions { BatchSize = 16, NumWorkers = 1 });

        WithinSeconds(30, () => Assert.NotEqual(Collect(loader, 0)[0].X, Collect(loader, 1)[0].X));
    }

    private sealed class FailingDataset(int failAt, int count = 40) : IDataset
    {
        public int Count => count;

        public Sample Get(int index, Generator? generator)
        {
            if (index == failAt)
                throw new InvalidDataException("corrupt record");
            return new Sample([index], [1], index);
        }

        public string Describe(int index) => $"records.bin[{index}]";
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void WorkerFailure_SurfacesAtItsBatch_NamingTheItem(int workers)
    {
        using var loader = new DataLoader(new FailingDataset(failAt: 13), new DataLoaderOptions { BatchSize = 4, NumWorkers = workers });
        var delivered = 0;

        WithinSeconds(30, () =>
        {
            var e = Assert.Throws<DataLoadException>(() =>
            {
                foreach (var b in loader.Epoch(0))
                    using (b)
                        delivered++;
            });
            Assert.Equal("records.bin[13]: corrupt record", e.Message);
            Assert.Equal(13, e.Index);
            Assert.IsType<InvalidDataException>(e.InnerException is DataLoadException d ? d.InnerException : e.InnerException);
        });
        Assert.Equal(3, delivered);
    }

    /// <summary>A slow dataset that records how far ahead of the consumer the workers have read.</summary>
    private sealed class CountingDataset(int count) : IDataset
    {
        private int _gets;

        public int Gets => Volatile.Read(ref _gets);

        public int Count => count;

        public Sample Get(int index, Generator? generator)
        {
            Interlocked.Increment(ref _gets);
            Thread.Sleep(1);
            return new Sample([index], [1], index);
        }

        public string Describe(int index) => $"item {index}";
    }

    [Fact]
    public void Prefetch_IsBounded_AndStoppingEndsWork()
    {
        var ds = new CountingDataset(1000);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 5, NumWorkers = 2, PrefetchBatches = 3 });

        WithinSeconds(30, () =>
        {
            using (var e = loader.Epoch(0).GetEnumerator())
            {
                Assert.True(e.MoveNext());
                e.Current.Dispose();
                Thread.Sleep(300);
                // Consumer holds batch 0: workers may have produced batches 1..3 at most.
                Assert.InRange(ds.Gets, 5, 4 * 5);
            }
            var afterStop = ds.Gets;
            Thread.Sleep(200);
            Assert.Equal(afterStop, ds.Gets);
        });
    }

    [Fact]
    public void Dispose_DuringEpoch_EndsIt()
    {
        var ds = new CountingDataset(1000);
        var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 5, NumWorkers = 2 });

        WithinSeconds(30, () =>
        {
            using var e = loader.Epoch(0).GetEnumerator();
            Assert.True(e.MoveNext());
            e.Current.Dispose();
            loader.Dispose();
            Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
            Assert.Throws<ObjectDisposedException>(() => loader.Epoch(1));
        });
    }

    [Fact]
    public void Mixup_GivesSoftTargets()
    {
        var mixup = new Mixup(10, mixupAlpha: 0.8, cutmixAlpha: 1.0);
        using var loader = new DataLoader(SyntheticIdx(32, null), new DataLoaderOptions { BatchSize = 8, NumWorkers = 2, Mixup = mixup, Seed = 3 });

        WithinSeconds(30, () =>
        {
            foreach (var b in loader.Epoch(0))
            {
                using (b)
                {
                    Assert.Equal([8, 10], b.Labels.Shape.ToArray());
                    var t = b.Labels.ToArray();
                    for (var i = 0; i < 8; i++)
                        Assert.Equal(1f, t.AsSpan(i * 10, 10).ToArray().Sum(), 5);
                }
            }
        });
        Assert.Throws<ArgumentException>(() => new DataLoader(SyntheticIdx(29, null), new DataLoaderOptions { BatchSize = 8, Mixup = mixup }));
    }

    [Fact]
    public void MismatchedItemShapes_AreReported()
    {
        var ds = new ImageShapes();
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 2 });

        var e = Assert.Throws<DataLoadException>(() => Collect(loader, 0));

        Assert.Contains("item 1: item shape [2] differs from the batch's [1]", e.Message, StringComparison.Ordinal);
    }

    private sealed class ImageShapes : IDataset
    {
        public int Count => 2;

        public Sample Get(int index, Generator? generator) => index == 0 ? new Sample([1], [1], 0) : new Sample([1, 2], [2], 1);

        public string Describe(int index) => $"item {index}";
    }

    [SkippableFact]
    public void FashionMnist_RandAugment_LoadsBatches()
    {
        var ds = new IdxDataset(Fixtures.Data("fashion-mnist/t10k-images-idx3-ubyte.gz"), Fixtures.Data("fashion-mnist/t10k-labels-idx1-ubyte.gz"), Augment());
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 256, Shuffle = true, NumWorkers = 2, Seed = 1 });

        WithinSeconds(120, () =>
        {
            var n = 0;
            foreach (var b in loader.Epoch(0).Take(8))
            {
                using (b)
                {
                    Assert.Equal([256, 1, 28, 28], b.Images.Shape.ToArray());
                    n += b.Count;
                }
            }
            Assert.Equal(8 * 256, n);
        });
    }
}
