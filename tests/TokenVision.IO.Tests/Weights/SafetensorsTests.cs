using System.Runtime.InteropServices;
using System.Text;
using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

public sealed class SafetensorsTests
{
    [Fact]
    public void RoundTrip_KeepsBytesShapesDTypesAndMetadata()
    {
        using var dir = new TempDir();
        var weights = Enumerable.Range(0, 24).Select(i => i * 0.5f - 3).ToArray();
        var writer = new SafetensorsWriter();
        writer.Metadata["epoch"] = "7";
        writer.Add("small.flag", new[] { true, false, true }, 3);
        writer.Add("blocks.0.weight", weights, 4, 6);
        writer.Add("index", new long[] { 5, -1, 3 }, 3);
        writer.Add("half", new[] { (Half)1.5, (Half)(-2), Half.PositiveInfinity }, 3);
        writer.Add("bf16", WeightDType.BF16, [2], MemoryMarshal.AsBytes<ushort>([0x3F80, 0xC040]));
        writer.Add("double", new[] { Math.PI }, 1);
        writer.Add("scalar", new[] { 42f });
        writer.Add("empty", Array.Empty<float>(), 0, 3);
        var path = dir.File("model.safetensors");
        writer.Save(path);

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal("7", reader.Metadata["epoch"]);
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(0, reader.HeaderLength % 8);
        Assert.Equal(8, reader.Names.Count);
        // Stable order: decreasing item size, then insertion order.
        Assert.Equal(["index", "double", "blocks.0.weight", "scalar", "empty", "half", "bf16", "small.flag"], reader.Names);

        var entry = reader.GetEntry("blocks.0.weight");
        Assert.Equal(WeightDType.F32, entry.DType);
        Assert.Equal([4L, 6], entry.Shape);
        Assert.Equal(96, entry.ByteLength);
        Assert.Equal(weights, reader.ReadFloat32("blocks.0.weight"));
        Assert.Equal([5L, -1, 3], reader.ReadInt64("index"));
        Assert.Equal([1.5f, -2f, float.PositiveInfinity], reader.ReadFloat32("half"));
        Assert.Equal([1f, -3f], reader.ReadFloat32("bf16"));
        Assert.Equal([(float)Math.PI], reader.ReadFloat32("double"));
        Assert.Equal([1L, 0, 1], reader.ReadInt64("small.flag"));
        Assert.Empty(reader.GetEntry("scalar").Shape);
        Assert.Equal([42f], reader.ReadFloat32("scalar"));
        Assert.Equal(0, reader.GetEntry("empty").ByteLength);
        Assert.Empty(reader.ReadFloat32("empty"));

        var span = new float[24];
        reader.ReadFloat32("blocks.0.weight", span);
        Assert.Equal(weights, span);
        var raw = new byte[96];
        reader.CopyBytes("blocks.0.weight", raw);
        Assert.Equal(MemoryMarshal.AsBytes<float>(weights).ToArray(), raw);
        Assert.Throws<ArgumentException>(() => reader.CopyBytes("blocks.0.weight", new byte[95]));

        // Every tensor is naturally aligned in the file and in memory.
        foreach (var e in reader.Entries)
        {
            Assert.True(reader.TryGetMappedView(e.Name, out var view));
            Assert.Equal(reader.GetFileOffset(e.Name), view.FileOffset);
            Assert.Equal(0, view.FileOffset % e.DType.ItemSize());
            Assert.True(view.IsAligned(e.DType.ItemSize()));
        }
        Assert.True(reader.TryGetFloat32Memory("blocks.0.weight", out var memory));
        Assert.Equal(weights, memory.ToArray());
        Assert.False(reader.TryGetFloat32Memory("half", out _));
    }

    [Fact]
    public void Writer_CopiesFromAnotherSource_AndRejectsBadInput()
    {
        using var dir = new TempDir();
        var first = new SafetensorsWriter();
        first.Add("w", new[] { 1f, 2f }, 2);
        first.Save(dir.File("a.safetensors"));
        using var source = SafetensorsReader.Open(dir.File("a.safetensors"));
        var second = new SafetensorsWriter();
        second.AddFrom(source, "w", "renamed");
        second.Save(dir.File("b.safetensors"));
        using var copy = SafetensorsReader.Open(dir.File("b.safetensors"));
        Assert.Equal([1f, 2f], copy.ReadFloat32("renamed"));

        Assert.Throws<ArgumentException>(() => second.Add("renamed", new[] { 1f }, 1));
        Assert.Throws<ArgumentException>(() => second.Add("x", new[] { 1f }, 2));
        Assert.Throws<ArgumentException>(() => second.Add("__metadata__", new[] { 1f }, 1));
        Assert.Throws<ArgumentException>(() => second.Add("y", new[] { 1f }, -1));
    }

    [Fact]
    public void Save_IsAtomic_ReplacesTheTargetAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDir();
        var path = dir.File("w.safetensors");
        File.WriteAllText(path, "old");
        var writer = new SafetensorsWriter();
        writer.Add("w", new[] { 3f }, 1);
        writer.Save(path);
        using (var reader = SafetensorsReader.Open(path))
            Assert.Equal([3f], reader.ReadFloat32("w"));
        Assert.Equal(["w.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        var missingDir = Path.Combine(dir.Path, "no", "such", "w.safetensors");
        Assert.ThrowsAny<IOException>(() => writer.Save(missingDir));
        Assert.Equal(["w.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void FloatMemory_RefusesAccessAfterDispose()
    {
        using var dir = new TempDir();
        var writer = new SafetensorsWriter();
        writer.Add("w", new[] { 3f, 4f }, 2);
        writer.Save(dir.File("w.safetensors"));
        var reader = SafetensorsReader.Open(dir.File("w.safetensors"));
        Assert.True(reader.TryGetFloat32Memory("w", out var memory));
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.Span.ToArray());
        Assert.Throws<ObjectDisposedException>(() => reader.GetBytes("w").ToArray());
    }

    [Fact]
    public void Lookup_OfMissingKey_NamesFileAndKey()
    {
        using var dir = new TempDir();
        var writer = new SafetensorsWriter();
        writer.Add("w", new[] { 3f }, 1);
        var path = dir.File("w.safetensors");
        writer.Save(path);
        using var reader = SafetensorsReader.Open(path);
        Assert.False(reader.Contains("v"));
        Assert.False(reader.TryGetEntry("v", out _));
        var e = Assert.Throws<KeyNotFoundException>(() => reader.ReadFloat32("v"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'v'", e.Message);
    }

    [Fact]
    public void Reader_AcceptsUnpaddedHeadersAndUnknownEntryFields()
    {
        using var dir = new TempDir();
        var path = dir.Write("x.safetensors", SafetensorsBytes.Build(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":{"x":[1,2]}}}""", new byte[4], pad: false));
        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(["a"], reader.Names);
        Assert.Empty(reader.Metadata);
    }

    // ---- errors: each names the file, and the key where there is one -------------------------------------------

    private const string OneTensor = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    public static TheoryData<string, string, byte[], string?, string> BadFiles => new()
    {
        { "truncated: fewer than 8 bytes", "truncated.safetensors", [1, 2, 3], null, "truncated" },
        { "empty file", "empty.safetensors", [], null, "truncated" },
        { "header length larger than the file", "long.safetensors", LengthPrefixed(4096, "{}"), null, "exceeds the" },
        { "header length over the limit", "huge.safetensors", LengthPrefixed(1UL << 40, "{}"), null, "exceeds the 100000000-byte limit" },
        { "header is not JSON", "notjson.safetensors", SafetensorsBytes.Build("{not json at all}", []), null, "not valid JSON" },
        { "header is a JSON array", "array.safetensors", SafetensorsBytes.Build("[1, 2]", []), null, "does not start with '{'" },
        { "truncated JSON", "cut.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32",""", []), "w", "not valid JSON" },
        { "offsets beyond the data region", "beyond.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[8]), "w", "beyond the 8-byte data region" },
        { "header lies about offsets", "lies.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]), "w", "span 8 bytes but F32 [3] needs 12" },
        { "reversed offsets", "reversed.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", new byte[8]), "w", "reversed" },
        { "unknown dtype", "dtype.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", new byte[8]), "w", "unknown dtype 'F8_E4M3'" },
        { "duplicate key", "dup.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]), "w", "duplicate key" },
        { "negative shape", "negative.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", new byte[8]), "w", "non-negative integers" },
        { "fractional shape", "fraction.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}""", new byte[8]), "w", "non-negative integers" },
        { "missing field", "missing.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[2]}}""", new byte[8]), "w", "needs 'dtype', 'shape' and 'data_offsets'" },
        { "three offsets", "three.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}""", new byte[8]), "w", "not [begin, end]" },
        { "overlapping entries", "overlap.safetensors", SafetensorsBytes.Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]), "b", "overlap 'a'" },
        { "hole in the data region", "hole.safetensors", SafetensorsBytes.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]), "a", "leave a hole [0, 4)" },
        { "trailing bytes", "trailing.safetensors", SafetensorsBytes.Build(OneTensor, new byte[12]), null, "trailing bytes" },
        { "2^60-element tensor", "bomb.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F32","shape":[1073741824,1073741824],"data_offsets":[0,8]}}""", new byte[8]), "w", "span 8 bytes but F32 [1073741824, 1073741824] needs 4611686018427387904" },
        { "shape overflowing int64", "overflow.safetensors", SafetensorsBytes.Build("""{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", new byte[8]), "w", "more bytes than a file can hold" },
        { "metadata value not a string", "meta.safetensors", SafetensorsBytes.Build("""{"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]), "__metadata__", "not a string" },
        { "entry not an object", "entry.safetensors", SafetensorsBytes.Build("""{"w":[1,2]}""", []), "w", "must be a JSON object" },
        { "garbage after the header object", "garbage.safetensors", SafetensorsBytes.Build(OneTensor + "xx", new byte[8]), null, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFile_IsRejectedWithATypedErrorNamingFileAndKey(string description, string fileName, byte[] bytes, string? key, string reason)
    {
        using var dir = new TempDir();
        var path = dir.Write(fileName, bytes);
        var e = Assert.Throws<WeightFormatException>(() => SafetensorsReader.Open(path).Dispose());
        Assert.True(e.Message.Contains(reason, StringComparison.Ordinal), $"{description}: {e.Message}");
        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message);
        Assert.Equal(key, e.Key);
        if (key is not null)
            Assert.Contains($"'{key}'", e.Message);
    }

    [Fact]
    public void TruncatedCopyOfAValidFile_IsRejected()
    {
        using var dir = new TempDir();
        var writer = new SafetensorsWriter();
        writer.Add("w", new float[64], 8, 8);
        writer.Save(dir.File("full.safetensors"));
        var bytes = File.ReadAllBytes(dir.File("full.safetensors"));
        foreach (var length in new[] { 4, 8, 20, bytes.Length - 256, bytes.Length - 1 })
        {
            var path = dir.Write($"cut{length}.safetensors", bytes[..length]);
            var e = Assert.Throws<WeightFormatException>(() => SafetensorsReader.Open(path).Dispose());
            Assert.Equal(path, e.File);
        }
    }

    private static byte[] LengthPrefixed(ulong declared, string header)
    {
        var bytes = new byte[8 + header.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 8);
        return bytes;
    }
}
