using System.Text.Json;
using System.Text.Json.Nodes;
using TokenVision.Cli.Commands;
using TokenVision.IO.Npy;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Cli.Tests;

/// <summary>predict, run and info through their command lines, on a fixture model folder copied to a temp dir.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ModelCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tv-cli-model-").FullName;

    // Test assemblies run beside each other: the bench commands must not wait for a quiet machine.
    public ModelCommandTests() => MachineLoad.MaxWaitSeconds = 0;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Error) Invoke(System.CommandLine.Command command, params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            return (command.Parse(args).Invoke(), o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    /// <summary>The resnet_basic fixture with label names added to its config.json.</summary>
    private string LabelledModel()
    {
        var source = Fixtures.Path(Path.Combine("models", "resnet_basic"));
        var target = Path.Combine(_dir, "model");
        Directory.CreateDirectory(target);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        config["label_names"] = new JsonArray(Enumerable.Range(0, 10).Select(i => (JsonNode)$"label-{i}").ToArray());
        File.WriteAllText(Path.Combine(target, "config.json"), config.ToJsonString());
        File.Copy(Path.Combine(source, "model.safetensors"), Path.Combine(target, "model.safetensors"));
        return target;
    }

    [SkippableFact]
    public void Predict_PrintsTopClassesWithLabelNames()
    {
        var model = LabelledModel();
        var image = Fixtures.Path("images/photos/china.jpg");
        var (code, output, error) = Invoke(PredictCommand.Create(), "--model", model, image, "--top", "3");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(image, lines[0]);
        Assert.Equal(3, lines.Length - 1);
        Assert.All(lines[1..], l => Assert.Matches(@"^\s+\d+\.\d\d%\s+\d+\s+label-\d$", l.TrimEnd('\r')));
    }

    [SkippableFact]
    public void Predict_BadImage_ExitsNonZeroNamingTheFile()
    {
        var model = LabelledModel();
        var bad = Fixtures.Path("images/corrupt/text.jpg");
        var (code, _, error) = Invoke(PredictCommand.Create(), "--model", model, bad);
        Assert.Equal(1, code);
        Assert.Contains("text.jpg", error);
    }

    [SkippableFact]
    public void Run_WritesRequestedOutputs_MatchingTheReference()
    {
        var model = Fixtures.Path(Path.Combine("models", "vit"));
        var output = Path.Combine(_dir, "out");
        var (code, _, error) = Invoke(ModelCommands.Run(), "--model", model, "--input", Path.Combine(model, "input.npy"), "--output-dir", output, "--outputs", "logits,features,pre_logits");
        Assert.True(code == 0, error);
        foreach (var name in new[] { "logits", "features", "pre_logits" })
        {
            var got = NpyFile.Read(Path.Combine(output, name + ".npy"));
            var want = NpyFile.Read(Path.Combine(model, name + ".npy"));
            Assert.Equal(want.Shape, got.Shape);
            var (g, w) = (got.ToFloat32(), want.ToFloat32());
            var max = w.Max(MathF.Abs);
            for (var i = 0; i < w.Length; i++)
                Assert.True(Math.Abs(g[i] - w[i]) <= 1e-4 * max + 1e-4 * Math.Abs(w[i]), $"{name}[{i}]: {g[i]} vs {w[i]}");
        }
    }

    [SkippableFact]
    public void Info_Json_ListsTheStateDict()
    {
        var model = Fixtures.Path(Path.Combine("models", "vit"));
        var (code, output, error) = Invoke(ModelCommands.Info(), "--model", model, "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("vit_tiny_patch16_224", doc.RootElement.GetProperty("architecture").GetString());
        Assert.Equal(90922, doc.RootElement.GetProperty("param_count").GetInt64());
        var first = doc.RootElement.GetProperty("state_dict")[0];
        Assert.Equal("cls_token", first[0].GetString());
        Assert.Equal(new[] { 1, 1, 48 }, first[1].EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Run_UnknownOutput_IsAnError()
    {
        var (code, _, error) = Invoke(ModelCommands.Run(), "--model", "vit_tiny_patch16_224", "--input", "x.npy", "--output-dir", _dir, "--outputs", "attention");
        Assert.Equal(1, code);
        Assert.Contains("attention", error);
    }

    [SkippableFact]
    public void BenchModel_PrintsImagesPerSecondAsJson()
    {
        var model = Fixtures.Path(Path.Combine("models", "resnet_basic"));
        var (code, output, error) = Invoke(BenchCommand.Create(), "model", model, "--batch", "2", "--json");
        Assert.True(code == 0, error);
        var line = JsonNode.Parse(output.Trim())!.AsObject();
        Assert.StartsWith("resnet", line["name"]!.GetValue<string>());
        Assert.Contains("batch=2", line["name"]!.GetValue<string>());
        Assert.Equal("img/s", line["unit"]!.GetValue<string>());
        Assert.True(line["value"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void BenchGemm_MeasuresEachShape()
    {
        var (code, output, error) = Invoke(BenchCommand.Create(), "gemm", "--shape", "64x32x48", "--shape", "8x16x4", "--json");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal("GFLOP/s", l["unit"]!.GetValue<string>()));
        Assert.All(lines, l => Assert.True(l["value"]!.GetValue<double>() > 0));
        Assert.Equal(1, Invoke(BenchCommand.Create(), "gemm", "--shape", "64x32").Code);
    }
}
