using System.Diagnostics;
using System.Globalization;

namespace TokenVision.Cli.Commands;

/// <summary>
/// The CPU time other processes take while a throughput is measured. Started by <c>dotnet run</c>, for example,
/// the launching process keeps most of a core busy for several seconds after the build (its JIT recompiles what the
/// build ran), which halves a two-thread measurement on a two-core machine. Linux only (<c>/proc</c>); elsewhere it
/// reports nothing.
/// </summary>
internal static class MachineLoad
{
    // Other processes using less than this many cores count as quiet.
    private const double QuietCores = 0.25;

    /// <summary>Longest wait of <see cref="WaitForQuiet"/> (tests, which run beside each other, set 0).</summary>
    internal static double MaxWaitSeconds { get; set; } = 15;

    /// <summary>
    /// Waits (up to <see cref="MaxWaitSeconds"/>) until other processes use less than a quarter of a core, saying on
    /// standard error why it waits; if they never settle, says so, since the figures that follow will be low.
    /// </summary>
    public static void WaitForQuiet()
    {
        var waited = Stopwatch.StartNew();
        var said = false;
        while (OtherCores(0.25) is { } busy && busy >= QuietCores)
        {
            if (waited.Elapsed.TotalSeconds >= MaxWaitSeconds)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"note: other processes keep {busy:F1} cores busy; the throughput below is lower than this machine gives"));
                return;
            }
            if (!said)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"(waiting for other processes to settle before measuring: they use {busy:F1} cores)"));
                said = true;
            }
        }
    }

    /// <summary>Cores' worth of CPU time other processes used over <paramref name="seconds"/>, or null where unknown.</summary>
    internal static double? OtherCores(double seconds)
    {
        if (!OperatingSystem.IsLinux() || Ticks() is not { } before)
            return null;
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        if (Ticks() is not { } after)
            return null;
        // /proc reports clock ticks of 1/100 s (USER_HZ).
        var others = (after.All - before.All) - (after.Self - before.Self);
        return Math.Max(0, others / 100.0 / clock.Elapsed.TotalSeconds);
    }

    // Busy ticks of all CPUs (user, nice, system, irq, softirq, steal) and of this process (user, system).
    private static (long All, long Self)? Ticks()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => long.Parse(cpu[i], CultureInfo.InvariantCulture);
            var all = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the command name: state is field 3 of the file, utime 14 and stime 15.
            var self = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (all, self);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }
}
