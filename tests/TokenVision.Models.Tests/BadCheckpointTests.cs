using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using TokenVision.IO.Weights;
using TokenVision.Nn;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Models.Tests;

/// <summary>
/// Bad model folders give an error that says what and where, and no model comes back half-loaded: the wrong
/// architecture, wrong shapes, missing keys, truncated or lying safetensors, a pickle naming a foreign global, and
/// unknown configuration arguments; and a good folder's pretrained_cfg overrides the registry defaults.
/// </summary>
public sealed class BadCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenvision-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A copy of the ViT fixture folder with its config and weights passed through the given edits.</summary>
    private string Folder(Action<JsonObject>? editConfig = null, Func<SafetensorsReader, SafetensorsWriter>? editWeights = null)
    {
        var source = Fixtures.Path(Path.Combine("models", "vit"));
        var target = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(target);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        editConfig?.Invoke(config);
        File.WriteAllText(Path.Combine(target, "config.json"), config.ToJsonString());
        if (editWeights is null)
        {
            File.Copy(Path.Combine(source, "model.safetensors"), Path.Combine(target, "model.safetensors"));
        }
        else
        {
            using var reader = SafetensorsReader.Open(Path.Combine(source, "model.safetensors"));
            editWeights(reader).Save(Path.Combine(target, "model.safetensors"));
        }
        return target;
    }

    private static SafetensorsWriter Without(SafetensorsReader r, string dropped)
    {
        var w = new SafetensorsWriter();
        foreach (var name in r.Names.Where(n => n != dropped))
            w.AddFrom(r, name);
        return w;
    }

    [SkippableFact]
    public void WrongArchitecture_ListsTheKeys()
    {
        var dir = Folder(c => c["architecture"] = "deit_tiny_distilled_patch16_224");
        var e = Assert.Throws<StateDictException>(() => ModelLoader.Load(dir));
        Assert.Contains("dist_token", e.Message);
        Assert.Contains("head_dist.weight", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [SkippableFact]
    public void WrongShapes_NameKeyAndBothShapes()
    {
        var dir = Folder(c => c["model_args"]!["embed_dim"] = 96);
        var e = Assert.Throws<StateDictException>(() => ModelLoader.Load(dir));
        Assert.Contains("cls_token: expected [1, 1, 96], got [1, 1, 48]", e.Message);
    }

    [SkippableFact]
    public void MissingKeys_AreListed()
    {
        var dir = Folder(editWeights: r => Without(r, "blocks.1.mlp.fc2.bias"));
        var e = Assert.Throws<StateDictException>(() => ModelLoader.Load(dir));
        Assert.Contains("missing keys (1): blocks.1.mlp.fc2.bias", e.Message);
    }

    [SkippableFact]
    public void TruncatedSafetensors_NamesTheFile()
    {
        var dir = Folder();
        var path = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<WeightFormatException>(() => ModelLoader.Load(dir));
        Assert.Contains(path, e.Message);
    }

    [SkippableFact]
    public void HeaderThatLiesAboutOffsets_IsRejected()
    {
        var dir = Folder();
        var path = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BitConverter.ToInt64(bytes, 0);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        var json = JsonNode.Parse(header)!.AsObject();
        var entry = json["cls_token"]!.AsObject();
        var offsets = entry["data_offsets"]!.AsArray();
        entry["data_offsets"] = new JsonArray(offsets[0]!.GetValue<long>(), offsets[1]!.GetValue<long>() + 8);
        var text = json.ToJsonString().PadRight(headerLength);
        Assert.Equal(headerLength, Encoding.UTF8.GetByteCount(text));
        Encoding.UTF8.GetBytes(text).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<WeightFormatException>(() => ModelLoader.Load(dir));
        Assert.Contains("cls_token", e.Message);
    }

    [SkippableFact]
    public void PickleNamingAForeignGlobal_IsRefusedBeforeAnythingRuns()
    {
        var dir = Folder();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var bin = Path.Combine(dir, "pytorch_model.bin");
        using (var zip = ZipFile.Open(bin, ZipArchiveMode.Create))
        {
            // PROTO 2, GLOBAL 'os system', SHORT_BINUNICODE 'touch pwned', TUPLE1, REDUCE, STOP
            byte[] pickle = [0x80, 0x02, .. "cos\nsystem\n"u8, 0x8C, 11, .. "touch pwned"u8, 0x85, 0x52, 0x2E];
            using var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open();
            s.Write(pickle);
        }
        var e = Assert.Throws<DisallowedGlobalException>(() => ModelLoader.Load(dir));
        Assert.Contains("os", e.Message);
        Assert.Contains("system", e.Message);
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.False(File.Exists("pwned"));
    }

    [SkippableFact]
    public void UnknownModelArgument_IsNamed()
    {
        var dir = Folder(c => c["model_args"]!["patch_dropout"] = 0.1);
        var e = Assert.Throws<ArgumentException>(() => ModelLoader.Load(dir));
        Assert.Contains("patch_dropout", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [SkippableFact]
    public void FolderWithoutWeights_SaysSo()
    {
        var dir = Folder();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var e = Assert.ThrowsAny<Exception>(() => ModelLoader.Load(dir));
        Assert.Contains("model.safetensors", e.Message);
    }

    [SkippableFact]
    public void PretrainedTestSize_FromTheFolder_OverridesTheRegistryDefault()
    {
        var plain = ModelLoader.Load(Folder());
        var dir = Folder(c =>
        {
            c["pretrained_cfg"]!["test_input_size"] = new JsonArray(3, 48, 48);
            c["pretrained_cfg"]!["test_crop_pct"] = 1.0;
        });
        var withTest = ModelLoader.Load(dir);

        Assert.Null(plain.Pretrained.TestInputSize);
        Assert.Null(plain.Pretrained.TestCropPct);
        Assert.Equal([3, 48, 48], withTest.Pretrained.TestInputSize!);
        Assert.Equal(1f, withTest.Pretrained.TestCropPct);
        Assert.Equal([3, 32, 32], withTest.Pretrained.InputSize);
    }
}
