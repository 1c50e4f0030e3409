using System.Text.Json;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.IO.Weights;
using TokenVision.Nn;

namespace TokenVision.Cli.Commands;

/// <summary>
/// Runs a command body: expected failures (bad files, bad arguments, mismatched weights) print one line naming what
/// and where, exit code 1; anything else is an internal error, printed with its stack trace, exit code 2.
/// </summary>
internal static class CliError
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsExpected(e))
        {
            Console.Error.WriteLine($"tokenvision: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"tokenvision: internal error: {e}");
            return 2;
        }
    }

    private static bool IsExpected(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
        or FormatException or KeyNotFoundException or NotSupportedException or InvalidDataException or JsonException
        or WeightFormatException or NpyFormatException or ImageDecodeException or StateDictException;
}
