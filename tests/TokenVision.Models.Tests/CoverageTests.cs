using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Models.Tests;

/// <summary>Every reference case and manifest in ../shared/fixtures is exercised by the parity and manifest tests.</summary>
public class CoverageTests
{
    [SkippableFact]
    public void EveryModelCase_IsInTheParityTests()
    {
        var cases = Directory.GetDirectories(Fixtures.Path("models")).Select(Path.GetFileName).Order();
        Assert.Equal(cases, ParityTests.Cases.Order());
    }

    [SkippableFact]
    public void EveryManifest_IsInTheManifestTests()
    {
        var manifests = Directory.GetFiles(Fixtures.Path("manifests"), "*.json").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(manifests, ManifestTests.Manifests.Order());
    }
}
