using Xunit;

namespace TokenVision.TestSupport;

/// <summary>
/// Locates the read-only reference data in <c>../shared</c> beside the repository root.
/// On CI (<c>CI=true</c>) a missing fixture folder fails the test; elsewhere the test is skipped with a message.
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string?> s_sharedRoot = new(FindSharedRoot);

    /// <summary>The <c>shared</c> folder, or null when it cannot be found.</summary>
    public static string? SharedRoot => s_sharedRoot.Value;

    /// <summary>True when running under CI, where missing fixtures are an error.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns <c>shared/fixtures/relative</c>; skips (or fails on CI) when it does not exist.</summary>
    public static string Path(string relative) => Require(System.IO.Path.Combine("fixtures", relative));

    /// <summary>Returns <c>shared/data/relative</c>; skips (or fails on CI) when it does not exist.</summary>
    public static string Data(string relative) => Require(System.IO.Path.Combine("data", relative));

    /// <summary>True when <c>shared/fixtures/relative</c> exists; used to build theory data without failing discovery.</summary>
    public static bool Exists(string relative) =>
        SharedRoot is { } root && (File.Exists(System.IO.Path.Combine(root, "fixtures", relative)) || Directory.Exists(System.IO.Path.Combine(root, "fixtures", relative)));

    private static string Require(string relative)
    {
        var root = SharedRoot;
        var full = root is null ? null : System.IO.Path.Combine(root, relative);
        if (full is not null && (File.Exists(full) || Directory.Exists(full)))
            return full;
        var message = $"reference data '{relative}' not found: expected ../shared beside the repository root (set TOKENVISION_SHARED to override)";
        if (IsCi)
            throw new InvalidOperationException(message);
        Skip.If(true, message + "; skipped outside CI");
        return full!;
    }

    private static string? FindSharedRoot()
    {
        var env = Environment.GetEnvironmentVariable("TOKENVISION_SHARED");
        if (!string.IsNullOrEmpty(env))
            return Directory.Exists(env) ? env : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "fixtures")))
                return candidate;
        }
        return null;
    }
}
