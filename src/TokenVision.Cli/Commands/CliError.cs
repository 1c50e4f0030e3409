namespace TokenVision.Cli.Commands;

/// <summary>Runs a command body, turning expected failures into a one-line message and exit code 1.</summary>
internal static class CliError
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                       or FormatException or KeyNotFoundException or NotSupportedException or InvalidDataException)
        {
            Console.Error.WriteLine($"tokenvision: {e.Message}");
            return 1;
        }
    }
}
