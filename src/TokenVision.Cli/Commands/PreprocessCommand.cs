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
        var cmd = new Command("preprocess", "decode an image and write its pixels, or the model's eval-transformed input, as .npy");
        cmd.Arguments.Add(image);
        cmd.Options.Add(raw);
        cmd.Options.Add(model);
        cmd.Options.Add(output);
        cmd.SetAction(r => CliError.Run(() => Run(r.GetRequiredValue(image), r.GetValue(raw), r.GetValue(model), r.GetRequiredValue(output))));
        return cmd;
    }

    /// <summary>The command body: exactly one of <paramref name="raw"/> and <paramref name="model"/>.</summary>
    public static int Run(string image, bool raw, string? model, string output)
    {
        if (raw == (model is not null))
            throw new ArgumentException("preprocess: give exactly one of --raw and --model");
        if (raw)
        {
            var decoded = ImageDecoder.Decode(image);
            var array = Pixels(decoded);
            NpyFile.Write(output, array);
            Console.WriteLine($"{output}: {array.DType} [{string.Join(", ", array.Shape)}] ({decoded.Model}, {decoded.BitDepth}-bit, from {image})");
            return 0;
        }
        var (config, name) = ResolveConfig(model!);
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
    internal static (DataConfig Config, string Name) ResolveConfig(string model)
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
        return (ToDataConfig(p), name);
    }

    /// <summary>
    /// Maps a model's pretrained config to the data library's. The crop fraction is stored as float; its shortest decimal
    /// form is what timm's Python float held (0.9f becomes 0.9, so floor(224 / 0.9) stays 248).
    /// </summary>
    internal static DataConfig ToDataConfig(PretrainedConfig p) => new()
    {
        InputSize = [.. p.InputSize],
        Interpolation = p.Interpolation,
        CropPct = double.Parse(p.CropPct.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        CropMode = p.CropMode,
        Mean = [.. p.Mean],
        Std = [.. p.Std],
    };
}
