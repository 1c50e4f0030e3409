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

    /// <summary>
    /// Times <paramref name="a"/> and <paramref name="b"/> in alternating rounds (each round a short median of its
    /// own); returns the median time of each and the median over rounds of time(b) / time(a), the speed of a
    /// relative to b with the drift of a shared machine cancelled round by round.
    /// </summary>
    public static (double A, double B, double SpeedRatio) Paired(Action a, Action b, int rounds = 9, double roundSeconds = 0.15)
    {
        MedianSeconds(a, minSeconds: 0.5);
        MedianSeconds(b, minSeconds: 0.5);
        var (ta, tb, ratios) = (new double[rounds], new double[rounds], new double[rounds]);
        for (var r = 0; r < rounds; r++)
        {
            ta[r] = MedianSeconds(a, warmup: 1, minRuns: 3, minSeconds: roundSeconds);
            tb[r] = MedianSeconds(b, warmup: 1, minRuns: 3, minSeconds: roundSeconds);
            ratios[r] = tb[r] / ta[r];
        }
        return (Median(ta), Median(tb), Median(ratios));

        static double Median(double[] v)
        {
            var sorted = v.Order().ToArray();
            return sorted[sorted.Length / 2];
        }
    }
}
