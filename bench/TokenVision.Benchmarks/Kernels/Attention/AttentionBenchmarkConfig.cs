using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace TokenVision.Benchmarks.Kernels.Attention;

/// <summary>Short jobs (the kernels run for milliseconds) plus the GFLOP/s column.</summary>
public sealed class AttentionBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public AttentionBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithId("attention"));
        AddColumn(new AttentionGflopsColumn());
    }
}
