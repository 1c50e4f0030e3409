using System.CommandLine;
using System.Globalization;
using TokenVision.Data;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.Models;

namespace TokenVision.Cli.Commands;

/// <summary>
/// <c>tokenvision preprocess IMAGE --raw|--model NAME|DIR --output x.npy</c>: the decoded pixels as stored in the file
/// (uint8 or uint16 <c>[H, W, C]</c>), or the model's timm eval transform as float32 <c>[1, 3, H, W]</c>.
/// </summary>
internal static class PreprocessCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "image file (PNG or JPEG)" };
        var raw = new Option<bool>("--raw") { Description = "write the decoded pixels in the file's own colour model, uint8 or uint16 [H, W, C]" };
        var model = new Option<string?>("--model") { Description = "registry name (timm's default pretrained_cfg) or model folder whose eval transform to apply" };
        var output = new Option<string>("--output") { Description = "the .npy file to write", Required = true };
        var testSize = TestSizeOption();
        var cmd = new Command("preprocess", "decode an image and write its pixels, or the model's eval-transformed input, as .npy");
        cmd.Arguments.Add(image);
        cmd.Options.Add(raw);
        cmd.Options.Add(model);
        cmd.Options.Add(output);
        cmd.Options.Add(testSize);
        cmd.SetAction(r => CliError.Run(() => Run(r.GetRequiredValue(image), r.GetValue(raw), r.GetValue(model), r.GetRequiredValue(output), r.GetValue(testSize))));
        return cmd;
    }

    /// <summary>The <c>--test-size</c> option shared with <c>predict</c>.</summary>
    internal static Option<bool> TestSizeOption() => new("--test-size")
    {
        Description = "use the pretrained config's test_input_size and test_crop_pct when it has them, as timm's validate.py does",
    };

    /// <summary>The command body: exactly one of <paramref name="raw"/> and <paramref name="model"/>.</summary>
    public static int Run(string image, bool raw, string? model, string output, bool testSize = false)
    {
        if (raw == (model is not null))
            throw new ArgumentException("preprocess: give exactly one of --raw and --model");
        if (raw && testSize)
            throw new ArgumentException("preprocess: --test-size applies to a model's transform, not to --raw");
        if (raw)
        {
            var decoded = ImageDecoder.Decode(image);
            var array = Pixels(decoded);
            NpyFile.Write(output, array);
            Console.WriteLine($"{output}: {array.DType} [{string.Join(", ", array.Shape)}] ({decoded.Model}, {decoded.BitDepth}-bit, from {image})");
            return 0;
        }
        var (config, name) = ResolveConfig(model!, testSize);
        var transform = TransformFactory.CreateEval(config);
        var rgb = ImageDecoder.Decode(image).ToRgb();
        var x = transform.Apply(rgb);
        int[] shape = [1, .. x.Shape];
        NpyFile.Write(output, NpyArray.FromFloat32(x.Data, shape));
        Console.WriteLine($"{output}: float32 [{string.Join(", ", shape)}] ({name} eval transform of {image})");
        foreach (var line in transform.ToString().Split('\n')[1..^1])
            Console.WriteLine(line);
        return 0;
    }

    /// <summary>The file's pixels as the fixtures store them: <c>[H, W, C]</c>, uint16 for 16-bit PNG, else uint8.</summary>
    internal static NpyArray Pixels(Image image)
    {
        int[] shape = [image.Height, image.Width, image.Channels];
        return image.BitDepth == 16 ? NpyArray.FromUInt16(image.Pixels16!, shape) : NpyArray.FromUInt8(image.Pixels, shape);
    }

    /// <summary>The eval data config of a registry name (its timm default) or of a model folder (its config.json merged over the default).</summary>
    internal static (DataConfig Config, string Name) ResolveConfig(string model, bool testSize)
    {
        PretrainedConfig p;
        string name;
        if (Directory.Exists(model))
        {
            var loaded = ModelLoader.Load(model, zeroCopy: true);
            p = loaded.Pretrained;
            name = $"{loaded.Architecture} ({model})";
        }
        else
        {
            p = ModelRegistry.Get(model).Pretrained;
            name = model;
        }
        return (ToDataConfig(p, testSize), name);
    }

    /// <summary>
    /// Maps a model's pretrained config to the data library's, as timm's <c>resolve_data_config</c>: with
    /// <paramref name="testSize"/>, the test input size and crop fraction replace the training ones where the config
    /// has them. The crop fraction is stored as float; its shortest decimal form is what timm's Python float held
    /// (0.9f becomes 0.9, so floor(224 / 0.9) stays 248).
    /// </summary>
    internal static DataConfig ToDataConfig(PretrainedConfig p, bool testSize = false) => new()
    {
        InputSize = [.. (testSize ? p.TestInputSize : null) ?? p.InputSize],
        Interpolation = p.Interpolation,
        CropPct = double.Parse(((testSize ? p.TestCropPct : null) ?? p.CropPct).ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        CropMode = p.CropMode,
        Mean = [.. p.Mean],
        Std = [.. p.Std],
    };
}
