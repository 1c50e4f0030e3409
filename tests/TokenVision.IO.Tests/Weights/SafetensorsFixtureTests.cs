using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TokenVision.IO.Weights;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

/// <summary>Reads every reference model's <c>model.safetensors</c> (the reference model's exact <c>state_dict()</c>).</summary>
public sealed class SafetensorsFixtureTests
{
    public static TheoryData<string> Cases => new(
        "vit", "vit_avgpool_noqkvbias", "vit_regtokens", "vit_dynsize", "deit_distilled", "swin", "mvitv2",
        "tv_vit", "tv_mvitv2_video", "tv_swin", "resnet_basic", "resnet_bottleneck");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Fixture_EntriesAgreeWithTheHeaderAndTheReferenceParameterCount(string name)
    {
        var path = Fixtures.Path($"models/{name}/model.safetensors");
        using var reader = SafetensorsReader.Open(path);

        // Independent parse of the header with JsonDocument: same names (in order), dtypes, shapes and offsets.
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var expected = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToList();
        Assert.Equal(expected.Select(p => p.Name), reader.Names);
        foreach (var p in expected)
        {
            var entry = reader.GetEntry(p.Name);
            Assert.Equal(p.Value.GetProperty("dtype").GetString(), entry.DType.SafetensorsName());
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), entry.Shape);
            Assert.Equal(8 + headerLength + p.Value.GetProperty("data_offsets")[0].GetInt64(), reader.GetFileOffset(p.Name));
        }
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(0, reader.DataRegionOffset % 8);

        // Parameters = all F32 entries except BatchNorm running statistics; must equal the reference model's count.
        using var cases = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("cases.json")));
        var reference = cases.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var parameters = reader.Entries
            .Where(e => e.DType == WeightDType.F32 && !e.Name.EndsWith(".running_mean", StringComparison.Ordinal) && !e.Name.EndsWith(".running_var", StringComparison.Ordinal))
            .Sum(e => e.ElementCount);
        Assert.Equal(reference.GetProperty("params").GetInt64(), parameters);
        Assert.True(reader.Contains(reference.GetProperty("weakest_param")[0].GetString()!));

        // Every F32 tensor is 4-byte aligned in the mapping and reads identically through the zero-copy view.
        foreach (var entry in reader.Entries.Where(e => e.DType == WeightDType.F32))
        {
            Assert.True(reader.TryGetFloat32Memory(entry.Name, out var memory), entry.Name);
            var values = reader.ReadFloat32(entry.Name);
            Assert.Equal(values, memory.ToArray());
            Assert.All(values, v => Assert.True(float.IsFinite(v)));
        }
    }

    [SkippableFact]
    public void TorchvisionSwin_KeepsItsPersistentInt64RelativePositionIndex()
    {
        using var reader = SafetensorsReader.Open(Fixtures.Path("models/tv_swin/model.safetensors"));
        var indices = reader.Entries.Where(e => e.Name.EndsWith("relative_position_index", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, indices.Count);
        foreach (var entry in indices)
        {
            Assert.Equal(WeightDType.I64, entry.DType);
            var table = reader.GetEntry(entry.Name.Replace("relative_position_index", "relative_position_bias_table"));
            var values = reader.ReadInt64(entry.Name);
            Assert.Equal(entry.ElementCount, values.Length);
            Assert.All(values, v => Assert.InRange(v, 0, table.Shape[0] - 1));
            Assert.False(reader.TryGetFloat32Memory(entry.Name, out _));
        }
    }

    [SkippableFact]
    public void TimmResNet_StoresNumBatchesTrackedAsOneElementInt64()
    {
        // torch keeps num_batches_tracked as a 0-d tensor; the fixture files store it with shape [1].
        using var reader = SafetensorsReader.Open(Fixtures.Path("models/resnet_basic/model.safetensors"));
        var tracked = reader.GetEntry("bn1.num_batches_tracked");
        Assert.Equal(WeightDType.I64, tracked.DType);
        Assert.Equal(1, tracked.ElementCount);
        Assert.Single(reader.ReadInt64(tracked.Name));
    }
}
