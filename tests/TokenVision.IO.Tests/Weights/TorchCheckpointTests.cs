using System.Runtime.InteropServices;
using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

/// <summary>Reads checkpoints built by <see cref="TorchSaveWriter"/>, which mirrors torch 1.13.1's torch.save output.</summary>
public sealed class TorchCheckpointTests
{
    private static readonly float[] s_base = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();

    /// <summary>A state dict like <c>model.state_dict()</c>: several dtypes, views sharing one storage, _metadata.</summary>
    internal static TestDict StateDict()
    {
        var shared = new TestStorage("0", WeightDType.F32, MemoryMarshal.AsBytes<float>(s_base).ToArray());
        var half = new TestStorage("1", WeightDType.F16, MemoryMarshal.AsBytes<Half>([(Half)1, (Half)(-0.0), (Half)65504, BitConverter.UInt16BitsToHalf(1)]).ToArray());
        var bf16 = new TestStorage("2", WeightDType.BF16, MemoryMarshal.AsBytes<ushort>([0x3F80, 0x4040]).ToArray());
        var longs = new TestStorage("3", WeightDType.I64, MemoryMarshal.AsBytes<long>([1, -2, long.MaxValue]).ToArray());
        var scalar = new TestStorage("4", WeightDType.I64, MemoryMarshal.AsBytes<long>([7]).ToArray());
        return new TestDict
        {
            { "a.weight", new TestTensor(shared, 0, [4, 6], [6, 1]) },
            { "a.t", new TestTensor(shared, 0, [6, 4], [1, 6]) },
            { "a.view", new TestTensor(shared, 8, [3, 2], [6, 1]) },
            { "a.step", new TestTensor(shared, 1, [2, 3], [12, 2]) },
            { "h", new TestTensor(half, 0, [4], [1]) },
            { "bf", new TestTensor(bf16, 0, [2], [1]) },
            { "i", new TestTensor(longs, 0, [3], [1]) },
            { "bn.num_batches_tracked", new TestTensor(scalar, 0, [], []) },
            { "empty", new TestTensor(new TestStorage("5", WeightDType.F32, []), 0, [0, 3], [3, 1]) },
        }.WithMetadata(new() { [""] = 1, ["a"] = 2 });
    }

    internal static void AssertStateDict(ITensorSource reader)
    {
        Assert.Equal(["a.weight", "a.t", "a.view", "a.step", "h", "bf", "i", "bn.num_batches_tracked", "empty"], reader.Names);
        Assert.Equal(s_base, reader.ReadFloat32("a.weight"));
        Assert.Equal([4L, 6], reader.GetEntry("a.weight").Shape);
        // Transposed view, materialised row-major.
        Assert.Equal([6L, 4], reader.GetEntry("a.t").Shape);
        Assert.Equal(Enumerable.Range(0, 24).Select(k => (float)(k % 4 * 6 + k / 4)), reader.ReadFloat32("a.t"));
        // Offset view base[1:, 2:4] and a stepped view base.view(-1)[1::2] reshaped.
        Assert.Equal([8f, 9, 14, 15, 20, 21], reader.ReadFloat32("a.view"));
        Assert.Equal([1f, 3, 5, 13, 15, 17], reader.ReadFloat32("a.step"));
        Assert.Equal([1f, -0f, 65504f, 5.9604645E-08f], reader.ReadFloat32("h"));
        Assert.True(float.IsNegative(reader.ReadFloat32("h")[1]));
        Assert.Equal([1f, 3f], reader.ReadFloat32("bf"));
        Assert.Equal([1L, -2, long.MaxValue], reader.ReadInt64("i"));
        Assert.Empty(reader.GetEntry("bn.num_batches_tracked").Shape);
        Assert.Equal([7L], reader.ReadInt64("bn.num_batches_tracked"));
        Assert.Equal(0, reader.GetEntry("empty").ByteLength);
        Assert.Empty(reader.ReadFloat32("empty"));

        // Contiguous tensors are served from the mapping; strided views are not.
        Assert.True(reader.TryGetMappedView("a.weight", out var view));
        Assert.Equal(96, view.ByteLength);
        Assert.True(reader.TryGetFloat32Memory("a.weight", out var memory));
        Assert.Equal(s_base, memory.ToArray());
        Assert.False(reader.TryGetMappedView("a.t", out _));
        Assert.False(reader.TryGetFloat32Memory("h", out _));
        Assert.Equal(reader.ReadFloat32("a.t"), MemoryMarshal.Cast<byte, float>(reader.GetBytes("a.t")).ToArray());
    }

    [Fact]
    public void Zip_StateDict_ReadsEveryDTypeAndView()
    {
        using var dir = new TempDir();
        var path = dir.Write("sd.pth", TorchSaveWriter.Zip(StateDict()));
        using var reader = TorchCheckpointReader.Open(path);
        Assert.Equal(TorchCheckpointFormat.Zip, reader.Format);
        Assert.Equal("", reader.StateDictPath);
        AssertStateDict(reader);
        Assert.True(reader.TryGetMappedView("a.weight", out var view));
        Assert.Equal(0, view.FileOffset % 64); // torch aligns records to 64 bytes
        var info = reader.GetTensorInfo("a.view");
        Assert.Equal(8, info.StorageOffset);
        Assert.Equal([6L, 1], info.Strides);
        Assert.Same(reader.GetTensorInfo("a.weight").Storage, info.Storage);
        Assert.False(info.IsContiguous);

        var root = Assert.IsType<CheckpointDict>(reader.Root);
        Assert.True(root.IsOrderedDict);
        var metadata = Assert.IsType<CheckpointDict>(root.Attributes!.Single(kv => (string)kv.Key! == "_metadata").Value);
        Assert.True(metadata.TryGetValue("a", out var moduleMeta));
        Assert.True(Assert.IsType<CheckpointDict>(moduleMeta).TryGetValue("version", out var version));
        Assert.Equal(2L, version);
    }

    [Fact]
    public void Zip_WithTorch2RecordsAndAnotherArchiveName_Reads()
    {
        using var dir = new TempDir();
        var path = dir.Write("sd.pt", TorchSaveWriter.Zip(StateDict(), archive: "my_model", torch2Records: true));
        using var reader = TorchCheckpointReader.Open(path);
        AssertStateDict(reader);
    }

    [Fact]
    public void Legacy_StateDict_ReadsEveryDTypeAndView()
    {
        using var dir = new TempDir();
        var path = dir.Write("legacy.pth", TorchSaveWriter.Legacy(StateDict()));
        using var reader = TorchCheckpointReader.Open(path);
        Assert.Equal(TorchCheckpointFormat.Legacy, reader.Format);
        AssertStateDict(reader);
    }

    [Fact]
    public void NestedCheckpoint_SelectsModelAndRecordsNonTensorValues()
    {
        using var dir = new TempDir();
        var weight = new TestStorage("9", WeightDType.F32, MemoryMarshal.AsBytes<float>([1f, 2f]).ToArray());
        var checkpoint = new TestDict(ordered: false)
        {
            { "model", StateDict() },
            { "epoch", 3L },
            { "arch", "vit_tiny_patch16_224" },
            { "best", 0.875 },
            { "done", true },
            { "note", null },
            { "param", new TestTensor(weight, 0, [2], [1], Parameter: true, RequiresGrad: true) },
            { "lrs", new List<object?> { 0.1, 0.01 } },
        };
        var path = dir.Write("ckpt.pth", TorchSaveWriter.Zip(checkpoint));
        using var reader = TorchCheckpointReader.Open(path);
        Assert.Equal("model", reader.StateDictPath);
        AssertStateDict(reader);
        Assert.Equal(3L, reader.Values["epoch"]);
        Assert.Equal("vit_tiny_patch16_224", reader.Values["arch"]);
        Assert.Equal(0.875, reader.Values["best"]);
        Assert.Equal(true, reader.Values["done"]);
        Assert.Null(reader.Values["note"]);
        Assert.Equal(0.01, reader.Values["lrs.1"]);
        Assert.False(reader.Values.ContainsKey("model.a.weight"));

        var root = Assert.IsType<CheckpointDict>(reader.Root);
        Assert.False(root.IsOrderedDict);
        Assert.True(root.TryGetValue("param", out var param));
        var parameter = Assert.IsType<TorchTensorInfo>(param);
        Assert.True(parameter.IsParameter);
        Assert.True(parameter.RequiresGrad);

        using var whole = TorchCheckpointReader.Open(path, new StateDictOptions { Key = "" });
        Assert.Equal("", whole.StateDictPath);
        Assert.Contains("model.a.weight", whole.Names);
        Assert.Equal([1f, 2f], whole.ReadFloat32("param"));
    }

    [Theory]
    [InlineData(new[] { "state_dict", "model" }, true, "state_dict")]
    [InlineData(new[] { "model", "optimizer" }, true, "model")]
    [InlineData(new[] { "model", "model_ema" }, true, "model_ema")]
    [InlineData(new[] { "model", "model_ema" }, false, "model")]
    [InlineData(new[] { "state_dict", "state_dict_ema" }, true, "state_dict_ema")]
    [InlineData(new[] { "state_dict", "state_dict_ema" }, false, "state_dict")]
    [InlineData(new[] { "model_ema", "state_dict_ema" }, true, "state_dict_ema")]
    public void StateDictSelection_FollowsTimm(string[] keys, bool useEma, string expected)
    {
        using var dir = new TempDir();
        var checkpoint = new TestDict(ordered: false);
        var n = 0;
        foreach (var key in keys)
        {
            var storage = new TestStorage((n++).ToString(), WeightDType.F32, MemoryMarshal.AsBytes<float>([n]).ToArray());
            checkpoint.Add(key, new TestDict { { key + ".w", new TestTensor(storage, 0, [1], [1]) } });
        }
        var path = dir.Write("sel.pth", TorchSaveWriter.Zip(checkpoint));
        using var reader = TorchCheckpointReader.Open(path, new StateDictOptions { UseEma = useEma });
        Assert.Equal(expected, reader.StateDictPath);
        Assert.Equal([expected + ".w"], reader.Names);
    }

    [Fact]
    public void StateDictSelection_SkipsANoneEma_AndTakesAnExplicitDottedKey()
    {
        using var dir = new TempDir();
        var storage = new TestStorage("0", WeightDType.F32, MemoryMarshal.AsBytes<float>([5f]).ToArray());
        var checkpoint = new TestDict(ordered: false)
        {
            { "state_dict_ema", null },
            { "model", new TestDict { { "w", new TestTensor(storage, 0, [1], [1]) } } },
            { "extra", new TestDict(ordered: false) { { "ema", new TestDict { { "v", new TestTensor(storage, 0, [1], [1]) } } } } },
        };
        var path = dir.Write("sel.pth", TorchSaveWriter.Zip(checkpoint));
        using (var auto = TorchCheckpointReader.Open(path))
            Assert.Equal("model", auto.StateDictPath);
        using (var nested = TorchCheckpointReader.Open(path, new StateDictOptions { Key = "extra.ema" }))
            Assert.Equal(["v"], nested.Names);
        var missing = Assert.Throws<WeightFormatException>(() => TorchCheckpointReader.Open(path, new StateDictOptions { Key = "extra.nope" }));
        Assert.Equal("extra.nope", missing.Key);
        Assert.Contains("available: ema", missing.Message);
        var notDict = Assert.Throws<WeightFormatException>(() => TorchCheckpointReader.Open(path, new StateDictOptions { Key = "state_dict_ema" }));
        Assert.Contains("not a state dict", notDict.Message);
    }

    [Fact]
    public void StripModulePrefix_IsAnExplicitOption_AndCollisionsAreErrors()
    {
        using var dir = new TempDir();
        var storage = new TestStorage("0", WeightDType.F32, MemoryMarshal.AsBytes<float>([5f, 6f]).ToArray());
        var sd = new TestDict
        {
            { "module.patch_embed.proj.weight", new TestTensor(storage, 0, [1], [1]) },
            { "head.weight", new TestTensor(storage, 1, [1], [1]) },
        };
        var path = dir.Write("ddp.pth", TorchSaveWriter.Zip(new TestDict(ordered: false) { { "state_dict", sd } }));
        using (var kept = TorchCheckpointReader.Open(path))
            Assert.Equal(["module.patch_embed.proj.weight", "head.weight"], kept.Names);
        using (var stripped = TorchCheckpointReader.Open(path, new StateDictOptions { StripModulePrefix = true }))
        {
            Assert.Equal(["patch_embed.proj.weight", "head.weight"], stripped.Names);
            Assert.Equal([6f], stripped.ReadFloat32("head.weight"));
        }

        sd.Add("patch_embed.proj.weight", new TestTensor(storage, 0, [1], [1]));
        var clash = dir.Write("clash.pth", TorchSaveWriter.Zip(sd));
        var e = Assert.Throws<WeightFormatException>(() => TorchCheckpointReader.Open(clash, new StateDictOptions { StripModulePrefix = true }));
        Assert.Equal("patch_embed.proj.weight", e.Key);
    }

    [Fact]
    public void EmptyTensorWithAnOffsetPastItsStorage_HasAnEmptyView()
    {
        // Found by fuzzing: a zero-element tensor may carry any storage offset.
        using var dir = new TempDir();
        var storage = new TestStorage("0", WeightDType.F32, MemoryMarshal.AsBytes<float>([1f]).ToArray());
        var path = dir.Write("empty.pth", TorchSaveWriter.Zip(new TestDict { { "e", new TestTensor(storage, 1000, [0, 4], [4, 1]) } }));
        using var reader = TorchCheckpointReader.Open(path);
        Assert.True(reader.GetBytes("e").IsEmpty);
        Assert.Empty(reader.ReadFloat32("e"));
        Assert.True(reader.TryGetMappedView("e", out var view));
        Assert.Equal(0, view.ByteLength);
        Assert.True(reader.TryGetFloat32Memory("e", out var memory));
        Assert.True(memory.IsEmpty);
    }

    [Fact]
    public void WeightFile_ChoosesTheReaderByContent()
    {
        using var dir = new TempDir();
        var pth = dir.Write("weights.bin", TorchSaveWriter.Zip(StateDict()));
        var legacy = dir.Write("weights.pt", TorchSaveWriter.Legacy(StateDict()));
        var writer = new SafetensorsWriter();
        writer.Add("w", new[] { 1f }, 1);
        var st = dir.File("renamed.bin");
        writer.Save(st);
        using (var a = WeightFile.Open(pth))
            Assert.IsType<TorchCheckpointReader>(a);
        using (var b = WeightFile.Open(legacy))
            Assert.IsType<TorchCheckpointReader>(b);
        using (var c = WeightFile.Open(st))
            Assert.IsType<SafetensorsReader>(c);
    }

    [Fact]
    public void ZipConvertedToSafetensors_RoundTrips()
    {
        using var dir = new TempDir();
        var path = dir.Write("sd.pth", TorchSaveWriter.Zip(StateDict()));
        using var reader = TorchCheckpointReader.Open(path);
        var writer = new SafetensorsWriter();
        foreach (var name in reader.Names)
            writer.AddFrom(reader, name);
        writer.Save(dir.File("sd.safetensors"));
        using var converted = SafetensorsReader.Open(dir.File("sd.safetensors"));
        foreach (var name in reader.Names)
        {
            Assert.Equal(reader.GetEntry(name).Shape, converted.GetEntry(name).Shape);
            Assert.Equal(reader.GetBytes(name).ToArray(), converted.GetBytes(name).ToArray());
        }
    }
}

internal static class TestDictExtensions
{
    public static TestDict WithMetadata(this TestDict dict, Dictionary<string, long> metadata)
    {
        var copy = new TestDict(dict.Ordered) { Metadata = metadata };
        copy.AddRange(dict);
        return copy;
    }
}
