using TokenVision.Tensors.Threading;
using Xunit;

namespace TokenVision.Tensors.Tests.Threading;

public sealed unsafe class WorkerPoolTests
{
    [Fact]
    public void For_CoversEveryIndexOnce()
    {
        foreach (var count in new[] { 0, 1, 2, 3, 100, 1001 })
        {
            var hits = new int[count];
            WorkerPool.For(count, 1, (start, end) =>
            {
                for (var i = start; i < end; i++)
                    Interlocked.Increment(ref hits[i]);
            });
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Run_RunsEveryPart_EvenMoreThanThreads()
    {
        foreach (var parts in new[] { 0, 1, 2, 5, 17 })
        {
            var hits = new int[parts];
            WorkerPool.Run(parts, p => Interlocked.Increment(ref hits[p]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Run_MorePartsThanThreads_UsesAtMostThreadsThreads_AndRunsEveryPartOnce()
    {
        var parts = 4 * WorkerPool.MaxThreads + 3;
        var hits = new int[parts];
        var threadIds = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        WorkerPool.Run(parts, p =>
        {
            threadIds[Environment.CurrentManagedThreadId] = true;
            Interlocked.Increment(ref hits[p]);
            Thread.SpinWait(2000);
        });
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.InRange(threadIds.Count, 1, WorkerPool.MaxThreads);
    }

    [Fact]
    public void PointerRun_PassesStateAndParts()
    {
        var sums = stackalloc long[4];
        WorkerPool.Run(4, &AddPart, sums);
        for (var p = 0; p < 4; p++)
            Assert.Equal(p + 1, sums[p]);
    }

    [Fact]
    public void ManyQuickDispatches_AllComplete()
    {
        long total = 0;
        for (var i = 0; i < 20_000; i++)
            WorkerPool.Run(2, p => Interlocked.Add(ref total, p + 1));
        Assert.Equal(20_000 * 3, total);
    }

    [Fact]
    public void DispatchAfterIdle_WakesSleepingWorkers()
    {
        Thread.Sleep(50); // long enough for the workers to stop spinning and block
        var hits = 0;
        WorkerPool.Run(2, _ => Interlocked.Increment(ref hits));
        Assert.Equal(2, hits);
    }

    [Fact]
    public void NestedCalls_RunInline()
    {
        var hits = 0;
        WorkerPool.Run(2, _ => WorkerPool.For(10, 1, (s, e) => Interlocked.Add(ref hits, e - s)));
        Assert.Equal(20, hits);
    }

    [Fact]
    public void WorkerException_IsRethrown_AndPoolStaysUsable()
    {
        var error = Assert.Throws<AggregateException>(() => WorkerPool.Run(2, p =>
        {
            if (p == 1)
                throw new InvalidOperationException("boom");
        }));
        Assert.IsType<InvalidOperationException>(error.InnerException);
        var hits = 0;
        WorkerPool.Run(2, _ => Interlocked.Increment(ref hits));
        Assert.Equal(2, hits);
    }

    [Fact]
    public void ConcurrentCallers_AreSerialised()
    {
        long total = 0;
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 500; i++)
                WorkerPool.For(8, 1, (s, e) => Interlocked.Add(ref total, e - s));
        });
        Assert.Equal(4 * 500 * 8, total);
    }

    [Fact]
    public void Threads_IsClampedToThePool()
    {
        var saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1000;
            Assert.Equal(WorkerPool.MaxThreads, WorkerPool.Threads);
            WorkerPool.Threads = 0;
            Assert.Equal(1, WorkerPool.Threads);
        }
        finally
        {
            WorkerPool.Threads = saved;
        }
    }

    private static void AddPart(void* state, int part) => Interlocked.Add(ref ((long*)state)[part], part + 1);
}
