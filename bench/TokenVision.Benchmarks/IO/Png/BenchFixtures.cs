namespace TokenVision.Benchmarks.IO.Png;

/// <summary>Finds the read-only reference data (<c>shared/fixtures</c>) for benchmarks: <c>TOKENVISION_SHARED</c>, else the nearest ancestor folder holding <c>shared/fixtures</c>.</summary>
internal static class BenchFixtures
{
    /// <summary>The absolute path of <c>fixtures/relative</c>.</summary>
    public static string Path(string relative)
    {
        var env = Environment.GetEnvironmentVariable("TOKENVISION_SHARED");
        if (!string.IsNullOrEmpty(env))
            return System.IO.Path.Combine(env, "fixtures", relative);
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "shared", "fixtures");
                if (Directory.Exists(candidate))
                    return System.IO.Path.Combine(candidate, relative);
            }
        }
        throw new DirectoryNotFoundException("shared/fixtures not found; set TOKENVISION_SHARED");
    }
}
