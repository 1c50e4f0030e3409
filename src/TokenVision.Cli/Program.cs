using System.CommandLine;
using TokenVision.Cli.Commands;

namespace TokenVision.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("tokenvision: vision transformers on a managed tensor engine");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ModelCommands.Models());
        root.Subcommands.Add(ModelCommands.Info());
        root.Subcommands.Add(ModelCommands.Run());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(PreprocessCommand.Create());
        return root.Parse(args).Invoke();
    }
}
