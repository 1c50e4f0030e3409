using System.Diagnostics;

namespace TokenVision.Cli.Commands;

/// <summary>
/// Times a body: warm-up (at least <c>warmup</c> runs and a fifth of <c>minSeconds</c>, so code and caches are hot),
/// then repeated runs for a minimum duration; reports the median.
/// </summary>
internal static class Measure
{
    public static double MedianSeconds(Action body, int warmup = 2, int minRuns = 5, double minSeconds = 0.5)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < warmup || warm.Elapsed.TotalSeconds < minSeconds / 5; i++)
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
