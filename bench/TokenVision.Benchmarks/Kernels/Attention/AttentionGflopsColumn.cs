using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace TokenVision.Benchmarks.Kernels.Attention;

/// <summary>GFLOP/s from the median time: 4·B·H·Nq·Nk·d for the forward, 10·B·H·Nq·Nk·d for the backward.</summary>
public sealed class AttentionGflopsColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(AttentionGflopsColumn);

    /// <inheritdoc/>
    public string ColumnName => "GFLOP/s";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Counted flops / median time (forward 4·Nq·Nk·d, backward 10·Nq·Nk·d per head)";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats || benchmarkCase.Parameters["Shape"] is not AttentionShape shape)
            return "-";
        var (b, h, nq, nk, d) = AttentionBenchmarks.Sizes(shape);
        var perHead = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(AttentionBenchmarks.Backward) ? 10.0 : 4.0;
        var flops = perHead * b * h * nq * nk * d;
        return (flops / stats.Median).ToString("F1");   // flops per nanosecond = GFLOP/s
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
