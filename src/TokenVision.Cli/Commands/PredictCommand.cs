using System.CommandLine;
using System.Globalization;
using TokenVision.Data;
using TokenVision.IO.Imaging;
using TokenVision.Models;
using TokenVision.Tensors;

namespace TokenVision.Cli.Commands;

/// <summary><c>tokenvision predict --model DIR IMAGE... [--top 5]</c>: the model's eval transform, then the top classes.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder (config.json + weights) or registry name", Required = true };
        var top = new Option<int>("--top") { Description = "classes to show per image", DefaultValueFactory = _ => 5 };
        var images = new Argument<string[]>("images") { Description = "PNG or JPEG files", Arity = ArgumentArity.OneOrMore };
        var testSize = PreprocessCommand.TestSizeOption();
        var cmd = new Command("predict", "classify images with a model: its eval transform, then the top classes with probabilities");
        cmd.Options.Add(model);
        cmd.Options.Add(top);
        cmd.Options.Add(testSize);
        cmd.Arguments.Add(images);
        cmd.SetAction(r => CliError.Run(() => Run(r.GetRequiredValue(model), r.GetRequiredValue(images), r.GetValue(top), r.GetValue(testSize))));
        return cmd;
    }

    public static int Run(string model, IReadOnlyList<string> images, int top, bool testSize = false)
    {
        if (top <= 0)
            throw new ArgumentException($"--top must be positive, got {top}");
        var loaded = ModelLoader.Load(model, zeroCopy: true);
        var transform = TransformFactory.CreateEval(PreprocessCommand.ToDataConfig(loaded.Pretrained, testSize));
        var labels = loaded.LabelNames;
        foreach (var path in images)
        {
            var x = transform.Apply(ImageDecoder.Decode(path).ToRgb());
            using var scope = TensorScope.Begin();
            using var noGrad = Grad.Disabled();
            var input = Tensor.FromArray(x.Data, [1, .. x.Shape]);
            var probs = Functional.Softmax(loaded.Model.Forward(input), -1);
            var (values, indices) = probs.TopK(Math.Min(top, probs.Shape[1]), -1);
            var p = values.ToArray();
            var idx = indices.ToInt64Array();
            Console.WriteLine(path);
            for (var i = 0; i < p.Length; i++)
            {
                var name = labels is not null && idx[i] < labels.Count ? labels[(int)idx[i]] : $"class {idx[i]}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p[i] * 100,7:F2}%  {idx[i],5}  {name}"));
            }
        }
        return 0;
    }
}
