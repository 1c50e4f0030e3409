using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TokenVision.Models.Vit;
using TokenVision.Tensors;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Threading;
using TokenVision.Training;

namespace TokenVision.Cli.Commands;

/// <summary>
/// <c>tokenvision demo</c>: a small Vision Transformer trained from scratch on a built-in synthetic task, with its
/// loss and held-out accuracy, then the engine's kernel throughput on the ViT-S/16 shapes.
/// </summary>
/// <remarks>
/// Training comes first, and the measurement waits for other processes to settle (<see cref="MachineLoad"/>):
/// started by <c>dotnet run</c>, the launching process keeps a core busy for several seconds after the build.
/// </remarks>
internal static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 150 };
        var seed = new Option<ulong>("--seed") { Description = "random seed", DefaultValueFactory = _ => 0 };
        var cmd = new Command("demo", "train a small ViT on built-in synthetic images, then benchmark the kernels");
        cmd.Options.Add(steps);
        cmd.Options.Add(seed);
        cmd.SetAction(r => CliError.Run(() => Run(r.GetValue(steps), r.GetValue(seed))));
        return cmd;
    }

    public static int Run(int steps, ulong seed)
    {
        if (steps <= 0)
            throw new ArgumentException($"--steps must be positive, got {steps}");
        Console.WriteLine($"TokenVision engine: {Isa.Hardware} kernels, {WorkerPool.Threads} threads");
        Console.WriteLine();
        Train(steps, seed);
        Console.WriteLine();
        Console.WriteLine("SGEMM on the ViT-S/16 batch-8 linear layers:");
        BenchCommand.Gemm(BenchCommand.DefaultGemmShapes, null, json: false);
        return 0;
    }

    private static void Train(int steps, ulong seed)
    {
        var config = new VitConfig
        {
            ImgSize = (SyntheticShapes.Size, SyntheticShapes.Size),
            PatchSize = (4, 4),
            EmbedDim = 64,
            Depth = 3,
            NumHeads = 4,
            NumClasses = SyntheticShapes.Classes,
            Seed = seed,
        };
        var model = new VisionTransformer(config);
        Console.WriteLine($"Training a ViT ({model.ParameterCount:N0} parameters: {config.Depth} blocks, width {config.EmbedDim}, " +
                          $"{config.PatchSize.H}x{config.PatchSize.W} patches) on synthetic {string.Join("/", SyntheticShapes.ClassNames)} images");
        var optimizer = new AdamW(model.Parameters(), lr: 2e-3f, weightDecay: 0.05f);
        var data = new Generator(seed + 1);
        var clock = Stopwatch.StartNew();
        const int batch = 32;
        for (var step = 1; step <= steps; step++)
        {
            using var scope = TensorScope.Begin();
            var (images, labels) = SyntheticShapes.Batch(batch, data);
            optimizer.SetLearningRate(2e-3f * 0.5f * (1 + MathF.Cos(MathF.PI * (step - 1) / steps)));
            optimizer.ZeroGrad();
            var loss = Functional.CrossEntropy(model.Forward(images), labels);
            loss.Backward();
            optimizer.Step();
            if (step == 1 || step % 10 == 0 || step == steps)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {step,4}  loss {loss.Item():F4}  ({clock.Elapsed.TotalSeconds:F1} s)"));
        }

        model.Eval();
        using (Grad.Disabled())
        using (TensorScope.Begin())
        {
            var (images, labels) = SyntheticShapes.Batch(512, new Generator(seed + 2));
            var predicted = model.Forward(images).ArgMax(1).ToInt64Array();
            var truth = labels.ToInt64Array();
            var correct = predicted.Zip(truth).Count(p => p.First == p.Second);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Held-out accuracy: {correct}/{truth.Length} = {100.0 * correct / truth.Length:F1}% (chance 25%)"));
        }
    }
}
