using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Tests that change <c>WorkerPool.Threads</c> run one at a time.</summary>
[CollectionDefinition(nameof(WorkerPoolThreads), DisableParallelization = true)]
public sealed class WorkerPoolThreads;
