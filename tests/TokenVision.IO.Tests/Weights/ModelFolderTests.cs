using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

public sealed class ModelFolderTests
{
    [SkippableTheory]
    [MemberData(nameof(SafetensorsFixtureTests.Cases), MemberType = typeof(SafetensorsFixtureTests))]
    public void FixtureFolder_ConfigParses_AndWeightsOpen(string name)
    {
        var folder = ModelFolder.Open(Fixtures.Path($"models/{name}"));
        var config = folder.Config;
        Assert.False(string.IsNullOrEmpty(config.Architecture));
        Assert.True(config.NumClasses > 0);
        Assert.Equal(config.NumClasses, (int)config.ModelArgs["num_classes"]!);
        Assert.EndsWith("model.safetensors", folder.WeightsPath);

        if (name.StartsWith("tv_", StringComparison.Ordinal))
        {
            Assert.True(config.IsTorchvision);
            Assert.StartsWith("torchvision.models.", config.Architecture);
            Assert.StartsWith("torchvision.models.", config.ReferenceBuilder);
            Assert.NotNull(config.InputSize);
            Assert.Equal(name == "tv_mvitv2_video" ? "NCTHW" : "NCHW", config.InputLayout);
            Assert.Equal(config.InputLayout!.Length - 1, config.InputSize!.Length);
            Assert.Null(config.PretrainedCfg);
        }
        else
        {
            Assert.Equal("timm", config.Library);
            var cfg = Assert.IsType<PretrainedConfig>(config.PretrainedCfg);
            Assert.Equal(3, cfg.InputSize!.Length);
            Assert.Equal(config.NumClasses, cfg.NumClasses);
            Assert.Equal(3, cfg.Mean!.Length);
            Assert.Equal(3, cfg.Std!.Length);
            Assert.InRange(cfg.CropPct!.Value, 0.5, 1.0);
            Assert.Equal("center", cfg.CropMode);
            Assert.Equal("bicubic", cfg.Interpolation);
            Assert.NotEmpty(cfg.Classifier!);
            Assert.False(string.IsNullOrEmpty(cfg.FirstConv));
            Assert.True(config.NumFeatures > 0);
        }
        if (name == "mvitv2")
        {
            Assert.Equal("mvitv2_tiny", config.Architecture);
            Assert.Equal(4, config.ModelCfg!["depths"]!.AsArray().Count);
        }
        if (name == "deit_distilled")
            Assert.Equal(["head", "head_dist"], config.PretrainedCfg!.Classifier!);
        if (name.StartsWith("resnet", StringComparison.Ordinal))
            Assert.Null(config.GlobalPool);

        using var weights = folder.OpenWeights();
        Assert.IsType<SafetensorsReader>(weights);
        Assert.NotEmpty(weights.Names);
    }

    [Fact]
    public void Folder_PrefersSafetensors_FallsBackToPytorchModelBin()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), """{"architecture": "vit_tiny_patch16_224", "num_classes": 2, "model_args": {"num_classes": 2}}""");
        var empty = ModelFolder.Open(dir.Path);
        Assert.Null(empty.WeightsPath);
        var missing = Assert.Throws<WeightFormatException>(() => empty.OpenWeights());
        Assert.Equal(dir.Path, missing.File);
        Assert.Contains("model.safetensors or pytorch_model.bin", missing.Message);

        File.WriteAllBytes(dir.File("pytorch_model.bin"), TorchSaveWriter.Zip(new TestDict(ordered: false) { { "state_dict", TorchCheckpointTests.StateDict() } }));
        var bin = ModelFolder.Open(dir.Path);
        using (var weights = bin.OpenWeights())
        {
            var reader = Assert.IsType<TorchCheckpointReader>(weights);
            Assert.Equal("state_dict", reader.StateDictPath);
            TorchCheckpointTests.AssertStateDict(reader);
        }

        var writer = new SafetensorsWriter();
        writer.Add("w", new[] { 1f }, 1);
        writer.Save(dir.File("model.safetensors"));
        using (var preferred = ModelFolder.Open(dir.Path).OpenWeights())
            Assert.IsType<SafetensorsReader>(preferred);
    }

    public static TheoryData<string, string, string?, string> BadConfigs => new()
    {
        { "not JSON", "{architecture: vit}", null, "not valid JSON" },
        { "not an object", "[1, 2]", null, "must be a JSON object" },
        { "no architecture", """{"num_classes": 3}""", "architecture", "required field is missing" },
        { "architecture not a string", """{"architecture": 5}""", "architecture", "expected a string, found 5" },
        { "num_classes not an integer", """{"architecture": "vit", "num_classes": "ten"}""", "num_classes", "non-negative integer" },
        { "num_classes negative", """{"architecture": "vit", "num_classes": -1}""", "num_classes", "non-negative integer" },
        { "model_args not an object", """{"architecture": "vit", "model_args": [1]}""", "model_args", "expected an object" },
        { "num_classes disagree", """{"architecture": "vit", "num_classes": 3, "model_args": {"num_classes": 4}}""", "model_args.num_classes", "is 4 but num_classes is 3" },
        { "mean of wrong length", """{"architecture": "vit", "pretrained_cfg": {"input_size": [3, 8, 8], "mean": [0.5, 0.5]}}""", "pretrained_cfg.mean", "has 2 values but input_size has 3 channels" },
        { "mean not numbers", """{"architecture": "vit", "pretrained_cfg": {"mean": ["a", 1, 2]}}""", "pretrained_cfg.mean[0]", "expected a number" },
        { "std zero", """{"architecture": "vit", "pretrained_cfg": {"std": [0, 1, 1]}}""", "pretrained_cfg.std", "must be positive" },
        { "input_size not positive", """{"architecture": "vit", "pretrained_cfg": {"input_size": [3, 0, 8]}}""", "pretrained_cfg.input_size[1]", "positive integer" },
        { "crop_pct out of range", """{"architecture": "vit", "pretrained_cfg": {"crop_pct": 1.5}}""", "pretrained_cfg.crop_pct", "fraction in (0, 1]" },
        { "test_crop_pct out of range", """{"architecture": "vit", "pretrained_cfg": {"test_crop_pct": 0}}""", "pretrained_cfg.test_crop_pct", "fraction in (0, 1]" },
        { "test_input_size of rank 2", """{"architecture": "vit", "pretrained_cfg": {"test_input_size": [288, 288]}}""", "pretrained_cfg.test_input_size", "expected [C, H, W]" },
        { "classifier wrong type", """{"architecture": "vit", "pretrained_cfg": {"classifier": 3}}""", "pretrained_cfg.classifier", "a string or an array of strings" },
        { "torchvision without input_size", """{"library": "torchvision", "architecture": "torchvision.models.vision_transformer.VisionTransformer", "num_classes": 10, "model_args": {"num_classes": 10}}""", "input_size", "required field is missing" },
        { "torchvision without model_args", """{"library": "torchvision", "architecture": "x", "num_classes": 10, "input_size": [3, 8, 8]}""", "model_args", "required field is missing" },
        { "input_size of rank 2", """{"library": "torchvision", "architecture": "x", "num_classes": 1, "model_args": {}, "input_size": [8, 8]}""", "input_size", "expected [C, H, W] or [C, T, H, W]" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void BadConfig_NamesTheFileAndTheField(string description, string json, string? field, string reason)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), json);
        var e = Assert.Throws<WeightFormatException>(() => ModelFolder.Open(dir.Path));
        Assert.True(e.Message.Contains(reason, StringComparison.Ordinal), $"{description}: {e.Message}");
        Assert.Equal(dir.File("config.json"), e.File);
        Assert.Equal(field, e.Key);
        if (field is not null)
            Assert.Contains($"'{field}'", e.Message);
    }

    [Fact]
    public void MissingFolderOrConfig_NamesTheFolder()
    {
        using var dir = new TempDir();
        var noConfig = Assert.Throws<WeightFormatException>(() => ModelFolder.Open(dir.Path));
        Assert.Equal(dir.Path, noConfig.File);
        Assert.Equal("config.json", noConfig.Key);
        var gone = Path.Combine(dir.Path, "missing");
        var noFolder = Assert.Throws<WeightFormatException>(() => ModelFolder.Open(gone));
        Assert.StartsWith(gone, noFolder.Message);
    }

    [Fact]
    public void Config_KeepsUnmodelledFieldsAvailable()
    {
        var config = ModelFolderConfig.Parse(
            """{"architecture": "vit_base_patch16_224", "num_classes": 2, "model_args": {"img_size": 384}, "pretrained_cfg": {"label_names": ["cat", "dog"], "hf_hub_id": "timm/x", "classifier": "head"}}""",
            "inline");
        Assert.Equal(384, (int)config.ModelArgs["img_size"]!);
        Assert.Equal(["cat", "dog"], config.PretrainedCfg!.LabelNames!);
        Assert.Equal(["head"], config.PretrainedCfg.Classifier!);
        Assert.Equal("timm/x", (string)config.PretrainedCfg.Json["hf_hub_id"]!);
        Assert.Equal("timm", config.Library);
    }

    [Fact]
    public void Config_ReadsTheTestSize()
    {
        var config = ModelFolderConfig.Parse(
            """{"architecture": "resnet50", "pretrained_cfg": {"input_size": [3, 224, 224], "crop_pct": 0.95, "test_input_size": [3, 288, 288], "test_crop_pct": 1.0}}""",
            "inline");
        Assert.Equal([3, 288, 288], config.PretrainedCfg!.TestInputSize!);
        Assert.Equal(1.0, config.PretrainedCfg.TestCropPct);
    }
}
