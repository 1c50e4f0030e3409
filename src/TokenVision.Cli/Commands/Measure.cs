using System.Diagnostics;

namespace TokenVision.Cli.Commands;

/// <summary>
/// Times a body: warm-up (at least <c>warmup</c> runs and <c>warmupSeconds</c>, by default a fifth of
/// <c>minSeconds</c>, so caches are hot and the JIT has finished recompiling the hot methods), then repeated runs for
/// a minimum duration; reports the median.
/// </summary>
internal static class Measure
{
    public static double MedianSeconds(Action body, int warmup = 2, int minRuns = 5, double minSeconds = 0.5, double? warmupSeconds = null)
    {
        var warmFor = warmupSeconds ?? minSeconds / 5;
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < warmup || warm.Elapsed.TotalSeconds < warmFor; i++)
            body();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRuns || total.Elapsed.TotalSeconds < minSeconds)
        {
            var sw = Stopwatch.StartNew();
            body();
            times.Add(sw.Elapsed.TotalSeconds);
            if (times.Count >= 1000)
                break;
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
