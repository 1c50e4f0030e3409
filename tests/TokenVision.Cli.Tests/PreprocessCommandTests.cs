using TokenVision.Cli.Commands;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.IO.Png;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Cli.Tests;

/// <summary>Console output is process-wide, so these tests do not run in parallel with others that capture it.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

[Collection(nameof(ConsoleCollection))]
public sealed class PreprocessCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tv-cli-preprocess-" + Guid.NewGuid().ToString("N"));

    public PreprocessCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Runs the command line as the executable would, returning the exit code and what it printed to stderr.</summary>
    private static (int Code, string Error) Invoke(params string[] args)
    {
        var err = new StringWriter();
        var oldErr = Console.Error;
        var oldOut = Console.Out;
        Console.SetError(err);
        Console.SetOut(new StringWriter());
        try
        {
            return (PreprocessCommand.Create().Parse(args).Invoke(), err.ToString());
        }
        finally
        {
            Console.SetError(oldErr);
            Console.SetOut(oldOut);
        }
    }

    [Fact]
    public void Raw_Rgb8_WritesHwcUInt8()
    {
        var pixels = Enumerable.Range(0, 5 * 3 * 3).Select(i => (byte)(i * 7)).ToArray();
        PngEncoder.Save(new Image(5, 3, ColorModel.Rgb, pixels), P("a.png"));

        var (code, error) = Invoke(P("a.png"), "--raw", "--output", P("a.npy"));

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var a = NpyFile.Read(P("a.npy"));
        Assert.Equal(NpyDType.UInt8, a.DType);
        Assert.Equal([3, 5, 3], a.Shape);
        Assert.Equal(pixels, a.Data);
    }

    [Fact]
    public void Raw_Gray16_WritesHwcUInt16()
    {
        var pixels = Enumerable.Range(0, 4 * 2).Select(i => (ushort)(i * 9000)).ToArray();
        PngEncoder.Save(new Image(4, 2, ColorModel.Gray, pixels), P("g.png"));

        Assert.Equal(0, PreprocessCommand.Run(P("g.png"), raw: true, model: null, P("g.npy")));

        var a = NpyFile.Read(P("g.npy"));
        Assert.Equal(NpyDType.UInt16, a.DType);
        Assert.Equal([2, 4, 1], a.Shape);
        Assert.Equal(pixels.Select(v => (long)v), a.ToInt64());
    }

    /// <summary>The raw output of every PNG decode fixture is the fixture's own reference array.</summary>
    [SkippableTheory]
    [InlineData("png_gray16.png")]
    [InlineData("png_rgba.png")]
    [InlineData("png_palette_trns.png")]
    [InlineData("png_gray_alpha.png")]
    public void Raw_DecodeFixture_MatchesReference(string name)
    {
        var path = Fixtures.Path($"images/decode/{name}");
        var expected = NpyFile.Read(path + ".npy");

        Assert.Equal(0, PreprocessCommand.Run(path, raw: true, model: null, P("x.npy")));

        var actual = NpyFile.Read(P("x.npy"));
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Data, actual.Data);
    }

    /// <summary>china.jpg's PIL pixels saved losslessly as PNG give exactly timm's eval tensor for vit_base_patch16_224.</summary>
    [SkippableFact]
    public void Model_RegistryName_GivesTimmEvalTensor()
    {
        var photo = NpyFile.Read(Fixtures.Path("images/photos/china.jpg.npy"));
        var expected = NpyFile.Read(Fixtures.Path("images/preprocess/china.timm_eval.npy"));
        PngEncoder.Save(new Image(photo.Shape[1], photo.Shape[0], ColorModel.Rgb, photo.Data), P("china.png"));

        var (code, error) = Invoke(P("china.png"), "--model", "vit_base_patch16_224", "--output", P("china.npy"));

        Assert.True(code == 0, error);
        var actual = NpyFile.Read(P("china.npy"));
        Assert.Equal(NpyDType.Float32, actual.DType);
        Assert.Equal([1, 3, 224, 224], actual.Shape);
        Assert.Equal(expected.ToFloat32(), actual.ToFloat32());
    }

    [Fact]
    public void ToDataConfig_KeepsTimmCropArithmetic()
    {
        var (config, _) = PreprocessCommand.ResolveConfig("vit_base_patch16_224", testSize: false);

        Assert.Equal(0.9, config.CropPct);
        Assert.Equal(248, (int)Math.Floor(224 / config.CropPct!.Value));
        Assert.Equal("bicubic", config.Interpolation);
        Assert.Equal([0.5f, 0.5f, 0.5f], config.Mean);
    }

    [Fact]
    public void TestSize_TakesTheTestInputSizeAndCrop_WhereTheConfigHasThem()
    {
        var (train, _) = PreprocessCommand.ResolveConfig("resnet50", testSize: false);
        var (test, _) = PreprocessCommand.ResolveConfig("resnet50", testSize: true);
        var (vit, _) = PreprocessCommand.ResolveConfig("vit_base_patch16_224", testSize: true);

        Assert.Equal([3, 224, 224], train.InputSize);
        Assert.Equal(0.95, train.CropPct);
        Assert.Equal([3, 288, 288], test.InputSize);
        Assert.Equal(1.0, test.CropPct);
        Assert.Equal([3, 224, 224], vit.InputSize);
        Assert.Equal(0.9, vit.CropPct);
    }

    [Fact]
    public void TestSize_WritesTheTestSizedTensor()
    {
        PngEncoder.Save(new Image(320, 300, ColorModel.Rgb, new byte[320 * 300 * 3]), P("t.png"));

        var (code, error) = Invoke(P("t.png"), "--model", "resnet18", "--test-size", "--output", P("t.npy"));

        Assert.True(code == 0, error);
        Assert.Equal([1, 3, 288, 288], NpyFile.Read(P("t.npy")).Shape);
    }

    [Theory]
    [InlineData(true, "vit_base_patch16_224", "exactly one of --raw and --model")]
    [InlineData(false, null, "exactly one of --raw and --model")]
    public void BadArguments_ExitOne(bool raw, string? model, string message)
    {
        PngEncoder.Save(new Image(2, 2, ColorModel.Gray, new byte[4]), P("s.png"));
        var args = new List<string> { P("s.png"), "--output", P("s.npy") };
        if (raw)
            args.Add("--raw");
        if (model is not null)
            args.AddRange(["--model", model]);

        var (code, error) = Invoke([.. args]);

        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableImage_ExitsOne_NamingTheFile()
    {
        File.WriteAllText(P("bad.png"), "not an image");

        var (code, error) = Invoke(P("bad.png"), "--model", "vit_base_patch16_224", "--output", P("bad.npy"));

        Assert.Equal(1, code);
        Assert.Contains(P("bad.png") + ":", error, StringComparison.Ordinal);
        Assert.False(File.Exists(P("bad.npy")));
    }

    [Fact]
    public void UnknownModel_ExitsOne_NamingIt()
    {
        PngEncoder.Save(new Image(2, 2, ColorModel.Rgb, new byte[12]), P("m.png"));

        var (code, error) = Invoke(P("m.png"), "--model", "vit_nonexistent", "--output", P("m.npy"));

        Assert.Equal(1, code);
        Assert.Contains("vit_nonexistent", error, StringComparison.Ordinal);
    }
}
