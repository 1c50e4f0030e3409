namespace TokenVision.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("tokenvision");
        return args.Length == 0 ? 0 : 1;
    }
}
