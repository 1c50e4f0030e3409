using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TokenVision.IO.Npy;
using TokenVision.Models;
using TokenVision.Nn;
using TokenVision.Tensors;
using TokenVision.Tensors.Threading;
using TokenVision.Training;

namespace TokenVision.Cli.Commands;

/// <summary><c>tokenvision models|info|run</c> and <c>bench model</c>: the model zoo from the command line.</summary>
internal static class ModelCommands
{
    private static readonly Option<string> s_model = new("--model") { Description = "registry name (e.g. vit_small_patch16_224) or model folder", Required = true };
    private static readonly Option<bool> s_json = new("--json") { Description = "machine-readable output" };

    public static Command Models()
    {
        var cmd = new Command("models", "list the registered architectures with parameters and GFLOPs at the default input");
        cmd.Options.Add(s_json);
        cmd.SetAction(r => CliError.Run(() => ListModels(r.GetValue(s_json))));
        return cmd;
    }

    public static Command Info()
    {
        var cmd = new Command("info", "architecture, configuration, parameter count and state dict of a model");
        cmd.Options.Add(s_model);
        cmd.Options.Add(s_json);
        cmd.SetAction(r => CliError.Run(() => Info(r.GetRequiredValue(s_model), r.GetValue(s_json))));
        return cmd;
    }

    public static Command Run()
    {
        var input = new Option<string>("--input") { Description = "float32 .npy input, [B, 3, H, W] (or [B, 3, T, H, W] for video)", Required = true };
        var outDir = new Option<string>("--output-dir") { Description = "folder for <output>.npy files", Required = true };
        var outputs = new Option<string>("--outputs") { Description = "comma-separated: logits, features, pre_logits", DefaultValueFactory = _ => "logits" };
        var cmd = new Command("run", "run a model in evaluation mode on a tensor and write its outputs as .npy");
        cmd.Options.Add(s_model);
        cmd.Options.Add(input);
        cmd.Options.Add(outDir);
        cmd.Options.Add(outputs);
        cmd.SetAction(r => CliError.Run(() => RunModel(r.GetRequiredValue(s_model), r.GetRequiredValue(input), r.GetRequiredValue(outDir), r.GetValue(outputs)!)));
        return cmd;
    }

    public static Command BenchModel()
    {
        var name = new Argument<string>("name") { Description = "registry name or model folder" };
        var batch = new Option<int>("--batch") { Description = "batch size", DefaultValueFactory = _ => 8 };
        var threads = new Option<int?>("--threads") { Description = "worker threads (default: all cores)" };
        var train = new Option<bool>("--train") { Description = "time one AdamW training step instead of inference" };
        var cmd = new Command("model", "images per second for inference (or one AdamW training step)");
        cmd.Arguments.Add(name);
        cmd.Options.Add(batch);
        cmd.Options.Add(threads);
        cmd.Options.Add(train);
        cmd.Options.Add(s_json);
        cmd.SetAction(r => CliError.Run(() => Bench(r.GetRequiredValue(name), r.GetValue(batch), r.GetValue(threads), r.GetValue(train), r.GetValue(s_json))));
        return cmd;
    }

    /// <summary>The model's default input, [1, C, H, W] (or [1, C, T, H, W]).</summary>
    internal static int[] DefaultInput(LoadedModel m, int batch) => [batch, .. m.Pretrained.InputSize];

    private static int ListModels(bool json)
    {
        foreach (var name in ModelRegistry.Names)
        {
            // Counting needs shapes, not trained values: skip weight initialisation.
            LoadedModel loaded;
            using (DeferredAllocation.Begin())
                loaded = ModelLoader.Load(name);
            var model = loaded.Model;
            model.Eval();
            double gflops;
            using (var scope = TensorScope.Begin())
            using (Grad.Disabled())
            using (var counter = FlopCounter.Begin(skipProducts: true))
            {
                using var x = Tensor.Zeros(DefaultInput(loaded, 1));
                using var y = model.Forward(x);
                gflops = counter.GigaMultiplyAdds;
            }
            var input = string.Join("x", loaded.Pretrained.InputSize.Skip(1));
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(new { name, param_count = model.ParameterCount, gflops = Math.Round(gflops, 2), input }));
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} {model.ParameterCount / 1e6,8:F2} M params {gflops,8:F2} GFLOPs  @ {input}"));
        }
        return 0;
    }

    private static int Info(string model, bool json)
    {
        var loaded = ModelLoader.Load(model, zeroCopy: true);
        var sd = loaded.Model.StateDict();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                architecture = loaded.Architecture,
                param_count = loaded.Model.ParameterCount,
                state_dict = sd.Select(kv => new object[] { kv.Key, kv.Value.Shape.ToArray() }),
            }));
            return 0;
        }
        Console.WriteLine($"architecture: {loaded.Architecture}");
        Console.WriteLine($"source:       {loaded.Source}");
        Console.WriteLine($"config:       {loaded.Config}");
        Console.WriteLine($"parameters:   {loaded.Model.ParameterCount:N0}");
        Console.WriteLine($"state dict:   {sd.Count} tensors");
        foreach (var (key, t) in sd)
            Console.WriteLine($"  {key,-60} {t.Shape}");
        return 0;
    }

    private static int RunModel(string model, string input, string outDir, string outputs)
    {
        var wanted = outputs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var o in wanted)
            if (o is not ("logits" or "features" or "pre_logits"))
                throw new ArgumentException($"--outputs: unknown output '{o}' (expected logits, features, pre_logits)");
        var array = NpyFile.Read(input);
        if (array.DType != NpyDType.Float32)
            throw new ArgumentException($"{input}: expected float32, got {array.DType}");
        var loaded = ModelLoader.Load(model, zeroCopy: true);
        var classifier = loaded.Classifier;
        Directory.CreateDirectory(outDir);
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        var x = Tensor.FromArray(array.ToFloat32(), array.Shape);
        var features = classifier.ForwardFeatures(x);
        foreach (var o in wanted)
        {
            var t = o switch
            {
                "features" => features,
                "pre_logits" => classifier.ForwardHead(features, preLogits: true),
                _ => classifier.ForwardHead(features),
            };
            var path = Path.Combine(outDir, o + ".npy");
            NpyFile.Write(path, NpyArray.FromFloat32(t.ToArray(), t.Shape.ToArray()));
            Console.WriteLine($"{path}: {t.Shape}");
        }
        return 0;
    }

    private static int Bench(string model, int batch, int? threads, bool train, bool json)
    {
        if (batch <= 0)
            throw new ArgumentException($"--batch must be positive, got {batch}");
        if (threads is { } t)
        {
            if (t < 1 || t > WorkerPool.MaxThreads)
                throw new ArgumentException($"--threads {t}: must be between 1 and {WorkerPool.MaxThreads}");
            WorkerPool.Threads = t;
        }
        var loaded = ModelLoader.Load(model);
        var m = loaded.Model;
        var g = new Generator(0);
        using var x = Tensor.Randn(DefaultInput(loaded, batch), g);
        var w = new ResultWriter(json);
        MachineLoad.WaitForQuiet();
        double seconds;
        if (train)
        {
            m.Train();
            using var y = Tensor.Randint(0, Math.Max(1, loaded.Config.NumClasses), [batch], g);
            var opt = new AdamW(m.Parameters(), lr: 1e-4f);
            seconds = Measure.MedianSeconds(() =>
            {
                using var scope = TensorScope.Begin();
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(m.Forward(x), y);
                loss.Backward();
                opt.Step();
            }, warmup: 1, minRuns: 3, minSeconds: 0);
        }
        else
        {
            m.Eval();
            seconds = Measure.MedianSeconds(() =>
            {
                using var scope = TensorScope.Begin();
                using var noGrad = Grad.Disabled();
                m.Forward(x);
            }, warmup: 2, minRuns: 5, minSeconds: 1, warmupSeconds: 2);
        }
        w.Write($"{loaded.Architecture} {(train ? "train" : "infer")} batch={batch}", batch / seconds, "img/s",
            ("threads", WorkerPool.Threads), ("ms_per_batch", seconds * 1e3));
        return 0;
    }
}
