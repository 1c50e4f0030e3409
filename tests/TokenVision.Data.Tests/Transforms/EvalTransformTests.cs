using System.Text.Json;
using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TokenVision.Data.Tests.Transforms;

public sealed class EvalTransformTests(ITestOutputHelper output)
{
    /// <summary>timm's resolved data config for vit_base_patch16_224 (preprocess.json).</summary>
    private static readonly DataConfig s_vitBase = new()
    {
        InputSize = [3, 224, 224],
        Interpolation = "bicubic",
        CropPct = 0.9,
        CropMode = "center",
        Mean = DataConfig.InceptionMeanStd,
        Std = DataConfig.InceptionMeanStd,
    };

    public static TheoryData<string, string> Cases => new()
    {
        { "china", "timm_eval" },
        { "grace_hopper", "timm_eval" },
        { "china", "tv_eval" },
        { "grace_hopper", "tv_eval" },
    };

    private static Compose Pipeline(string kind) =>
        kind == "timm_eval" ? TransformFactory.CreateEval(s_vitBase) : TransformFactory.TorchvisionVitB16();

    /// <summary>Targets: mean abs diff at most 0.01 and max at most 0.1 of the normalised values; the resize is exact, so 0 is achieved.</summary>
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Eval_Photo_MatchesReferenceTensor(string stem, string kind)
    {
        var photo = TestImages.Photo(stem + ".jpg");
        var expected = NpyFile.Read(Fixtures.Path($"images/preprocess/{stem}.{kind}.npy"));

        var actual = Pipeline(kind).Apply(photo);

        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToFloat32();
        double max = 0, sum = 0;
        for (var i = 0; i < e.Length; i++)
        {
            var d = Math.Abs(e[i] - actual.Data[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        output.WriteLine($"{stem} {kind}: max abs {max:G3}, mean abs {sum / e.Length:G3}");
        Assert.True(sum / e.Length <= 0.01, $"mean abs diff {sum / e.Length}");
        Assert.True(max <= 0.1, $"max abs diff {max}");
        Assert.Equal(0.0, max);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Eval_Photo_CroppedBytesAndBoxMatchReference(string stem, string kind)
    {
        var photo = TestImages.Photo(stem + ".jpg");
        var cropped = NpyFile.Read(Fixtures.Path($"images/preprocess/{stem}.{kind}.cropped.npy"));
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("images/preprocess/preprocess.json")));
        var info = json.RootElement.GetProperty(kind).GetProperty("outputs").GetProperty(stem + ".jpg");
        var resizedWh = info.GetProperty("resized_size_wh").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var box = info.GetProperty("crop_box_ltrb").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var pipeline = Pipeline(kind);

        var resize = (Resize)pipeline.ImageSteps[0];
        var (w, h) = resize.OutputSize(photo.Width, photo.Height);
        var (top, left) = ImageGeometry.CenterCropOffsets(h, w, 224, 224);

        Assert.Equal(resizedWh, new[] { w, h });
        Assert.Equal(box, new[] { left, top, left + 224, top + 224 });
        Assert.Equal(cropped.Data, pipeline.ApplyImage(photo).Pixels);
    }

    [Fact]
    public void CreateEval_CenterMode_ScalesByCropPct()
    {
        var t = TransformFactory.CreateEval(s_vitBase);

        Assert.Equal("Resize(size=248, interpolation=bicubic)", t.ImageSteps[0].ToString());
        Assert.Equal("CenterCrop(size=(224, 224))", t.ImageSteps[1].ToString());
    }

    /// <summary>A non-square input size uses timm's ResizeKeepRatio of the shorter side (bilinear, as timm builds it).</summary>
    [Fact]
    public void CreateEval_NonSquare_UsesResizeKeepRatio()
    {
        var t = TransformFactory.CreateEval(s_vitBase with { InputSize = [3, 224, 320], CropPct = 1.0 });
        var img = TestImages.Noise(640, 427, 3, 1);

        var x = t.Apply(img);

        Assert.IsType<ResizeKeepRatio>(t.ImageSteps[0]);
        Assert.Equal([3, 224, 320], x.Shape);
        // ratio = min(427 / 224, 640 / 320) = 1.90625; sides round(640 / r) = 336, round(427 / r) = 224.
        Assert.Equal((336, 224), ((ResizeKeepRatio)t.ImageSteps[0]).OutputSize(640, 427));
    }

    [Fact]
    public void CreateEval_Squash_ResizesBothSides()
    {
        var t = TransformFactory.CreateEval(s_vitBase with { InputSize = [3, 384, 384], CropPct = 1.0, CropMode = "squash" });
        var img = TestImages.Noise(640, 427, 3, 2);

        var crop = t.ApplyImage(img);

        Assert.Equal("Resize(size=(384, 384), interpolation=bicubic)", t.ImageSteps[0].ToString());
        Assert.Equal((384, 384), (crop.Width, crop.Height));
        Assert.Equal(Resampler.Resize(img, 384, 384, Interpolation.Bicubic).Pixels, crop.Pixels);
    }

    /// <summary>Border mode fits the longer side and pads with round(255 * mean).</summary>
    [Fact]
    public void CreateEval_Border_PadsWithMeanColour()
    {
        var t = TransformFactory.CreateEval(s_vitBase with { InputSize = [3, 32, 32], CropPct = 1.0, CropMode = "border", Mean = DataConfig.ImagenetMean, Std = DataConfig.ImagenetStd });
        var img = TestImages.Make(64, 32, 3, (_, _, _) => 200);

        var crop = t.ApplyImage(img);

        Assert.Equal((32, 32), (crop.Width, crop.Height));
        Assert.Equal([124, 116, 104], crop.Pixels[..3]);
        var centre = (16 * 32 + 16) * 3;
        Assert.Equal([200, 200, 200], crop.Pixels[centre..(centre + 3)]);
        Assert.Equal([124, 116, 104], crop.Pixels[^3..]);
    }

    [Fact]
    public void CenterCrop_SmallerImage_PadsWithZeros()
    {
        var img = TestImages.Make(2, 2, 1, (_, _, _) => 9);

        var c = ImageGeometry.CenterCrop(img, 4, 5);

        Assert.Equal((5, 4), (c.Width, c.Height));
        Assert.Equal(9, TestImages.At(c, 1, 1));
        Assert.Equal(9, TestImages.At(c, 2, 2));
        Assert.Equal(0, TestImages.At(c, 0, 0));
        Assert.Equal(0, TestImages.At(c, 3, 1));
    }

    /// <summary>Python's round is half-to-even: offsets 73.5 -> 74 and 72.5 -> 72.</summary>
    [Fact]
    public void CenterCropOffsets_RoundHalfToEven()
    {
        Assert.Equal((74, 72), ImageGeometry.CenterCropOffsets(371, 369, 224, 224));
    }

    [Fact]
    public void ToTensorNormalize_ComputesInSinglePrecision()
    {
        var img = new Image(2, 1, ColorModel.Rgb, [0, 128, 255, 51, 102, 153]);
        var t = new ToTensorNormalize(DataConfig.ImagenetMean, DataConfig.ImagenetStd);

        var x = t.Apply(img);

        Assert.Equal([3, 1, 2], x.Shape);
        Assert.Equal((0f / 255f - 0.485f) / 0.229f, x.Data[0]);
        Assert.Equal((51f / 255f - 0.485f) / 0.229f, x.Data[1]);
        Assert.Equal((128f / 255f - 0.456f) / 0.224f, x.Data[2]);
        Assert.Equal((153f / 255f - 0.406f) / 0.225f, x.Data[5]);
    }

    [Fact]
    public void DataConfig_BadValues_NameTheField()
    {
        var e = Assert.Throws<ArgumentException>(() => TransformFactory.CreateEval(s_vitBase with { CropMode = "zoom" }));
        Assert.Contains("crop_mode", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => TransformFactory.CreateEval(s_vitBase with { Interpolation = "cubic-ish" }));
        Assert.Contains("cubic-ish", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_ApplyTensor_Batched()
    {
        var t = TransformFactory.CreateEval(s_vitBase with { InputSize = [3, 16, 16] });

        using var x = t.ApplyTensor(TestImages.Noise(30, 20, 3, 4), batched: true);

        Assert.Equal([1, 3, 16, 16], x.Shape.ToArray());
    }
}
