using System.Diagnostics;
using TokenVision.Cli.Commands;
using Xunit;

namespace TokenVision.Cli.Tests;

public sealed class MachineLoadTests
{
    [SkippableFact]
    public void OtherCores_SeesABusyProcess()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc");
        // Other test assemblies may run at the same time, so only a lower bound holds.
        using var other = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]))!;
        try
        {
            Thread.Sleep(200);
            var busy = MachineLoad.OtherCores(0.5);
            Assert.NotNull(busy);
            Assert.True(busy > 0.3, $"a spinning process measured as {busy} cores");
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }
    }
}
