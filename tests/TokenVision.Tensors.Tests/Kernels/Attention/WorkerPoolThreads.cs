using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Tests that change <c>WorkerPool.Threads</c> or count process-wide allocations run alone.</summary>
[CollectionDefinition(nameof(WorkerPoolThreads), DisableParallelization = true)]
public sealed class WorkerPoolThreads;
