using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace TokenVision.IO.Weights;

/// <summary>
/// Reads a <c>.safetensors</c> file through a read-only memory mapping: an 8-byte little-endian header length N, N bytes
/// of JSON header (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}</c>), then the
/// data region, with offsets relative to its start.
/// </summary>
/// <remarks>
/// Validation is strict and happens entirely on the header, before any data is touched: N ≤ <see cref="MaxHeaderLength"/>
/// and inside the file, the header is a JSON object starting with <c>{</c>, keys are unique, every dtype is known, shapes are
/// non-negative, <c>end - begin == numel * itemsize</c>, and the entries tile the data region exactly — sorted by offset
/// they start at 0, touch without gaps or overlaps and end at the end of the file, as the format specification requires
/// (no holes, so no polyglot files). Unknown fields inside an entry are ignored, as the reference implementation does.
/// </remarks>
public sealed class SafetensorsReader : ITensorSource
{
    /// <summary>Largest accepted JSON header (100 MB, the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private readonly MappedFile _file;
    private readonly long[] _dataOffsets;
    private readonly TensorEntryIndex _index;

    private SafetensorsReader(MappedFile file, long headerLength, TensorEntry[] entries, long[] dataOffsets, IReadOnlyDictionary<string, string> metadata)
    {
        _file = file;
        HeaderLength = headerLength;
        _dataOffsets = dataOffsets;
        Metadata = metadata;
        _index = new TensorEntryIndex(entries);
    }

    /// <inheritdoc />
    public string FilePath => _file.Path;

    /// <summary>The <c>__metadata__</c> string map (empty when absent), e.g. <c>{"format": "pt"}</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Length N of the JSON header in bytes (including any space padding).</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the data region, <c>8 + N</c>; a multiple of 8 when the writer padded the header as the reference writer does.</summary>
    public long DataRegionOffset => 8 + HeaderLength;

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _index.Names;

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Entries => _index.Entries;

    /// <summary>Opens and validates <paramref name="path"/>; the reader owns the mapping until disposed.</summary>
    /// <exception cref="WeightFormatException">The file is truncated or its header is invalid; the message names the file and key.</exception>
    public static SafetensorsReader Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            var (headerLength, entries, offsets, metadata) = ParseHeader(path, file);
            return new SafetensorsReader(file, headerLength, entries, offsets, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool Contains(string name) => _index.Contains(name);

    /// <inheritdoc />
    public bool TryGetEntry(string name, [MaybeNullWhen(false)] out TensorEntry entry) => _index.TryGetEntry(name, out entry);

    /// <inheritdoc />
    public TensorEntry GetEntry(string name) => TryGetEntry(name, out var entry) ? entry : throw TensorReads.Missing(FilePath, name);

    /// <summary>File offset of the tensor's first byte.</summary>
    public long GetFileOffset(string name) => DataRegionOffset + _dataOffsets[IndexOf(name)];

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var i = IndexOf(name);
        var length = TensorReads.SpanLength(FilePath, _index[i]);
        return _file.Span(DataRegionOffset + _dataOffsets[i], length);
    }

    /// <inheritdoc />
    public void CopyBytes(string name, Span<byte> destination) => TensorReads.CopyBytes(this, name, destination);

    /// <inheritdoc />
    public float[] ReadFloat32(string name) => TensorReads.ReadFloat32(this, name);

    /// <inheritdoc />
    public void ReadFloat32(string name, Span<float> destination) => TensorReads.ReadFloat32(this, name, destination);

    /// <inheritdoc />
    public long[] ReadInt64(string name) => TensorReads.ReadInt64(this, name);

    /// <inheritdoc />
    public bool TryGetMappedView(string name, out MappedTensorView view)
    {
        var i = IndexOf(name);
        var offset = DataRegionOffset + _dataOffsets[i];
        view = new MappedTensorView(_file.Address(offset), offset, _index[i].ByteLength);
        return true;
    }

    /// <inheritdoc />
    public bool TryGetFloat32Memory(string name, out ReadOnlyMemory<float> memory)
    {
        var i = IndexOf(name);
        var entry = _index[i];
        var offset = DataRegionOffset + _dataOffsets[i];
        if (entry.DType != WeightDType.F32 || entry.ElementCount > int.MaxValue || (_file.Address(offset) & 3) != 0)
        {
            memory = default;
            return false;
        }
        memory = _file.Float32Memory(offset, (int)entry.ElementCount);
        return true;
    }

    /// <summary>Releases the mapping; spans and views taken from this reader become invalid.</summary>
    public void Dispose() => _file.Dispose();

    private int IndexOf(string name) => _index.PositionOf(FilePath, name);

    private static (long HeaderLength, TensorEntry[] Entries, long[] Offsets, IReadOnlyDictionary<string, string> Metadata) ParseHeader(string path, MappedFile file)
    {
        if (file.Length < 8)
            throw new WeightFormatException(path, null, $"truncated: {file.Length} bytes, shorter than the 8-byte header length");
        var declared = BinaryPrimitives.ReadUInt64LittleEndian(file.Span(0, 8));
        if (declared > MaxHeaderLength)
            throw new WeightFormatException(path, null, $"header length {declared} exceeds the {MaxHeaderLength}-byte limit");
        var headerLength = (long)declared;
        if (headerLength > file.Length - 8)
            throw new WeightFormatException(path, null, $"header length {headerLength} exceeds the {file.Length - 8} bytes after the length field (truncated file?)");
        if (headerLength < 2)
            throw new WeightFormatException(path, null, $"header length {headerLength} is too short for a JSON object");
        var header = file.Span(8, headerLength);
        if (header[0] != (byte)'{')
            throw new WeightFormatException(path, null, "header does not start with '{' (not a safetensors file?)");
        var dataLength = file.Length - 8 - headerLength;

        var entries = new List<TensorEntry>();
        var offsets = new List<(long Begin, long End)>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? key = null;
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
            Expect(ref reader, JsonTokenType.StartObject, path, null, "header");
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                key = reader.GetString()!;
                if (!seen.Add(key))
                    throw new WeightFormatException(path, key, "duplicate key in header");
                if (key == MetadataKey)
                {
                    ReadMetadata(ref reader, path, metadata);
                    continue;
                }
                var (entry, begin, end) = ReadEntry(ref reader, path, key, dataLength);
                entries.Add(entry);
                offsets.Add((begin, end));
            }
            key = null;
            if (reader.Read())
                throw new WeightFormatException(path, null, "unexpected data after the header object");
        }
        catch (JsonException e)
        {
            throw new WeightFormatException(path, key, $"header is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString reports strings that are not valid UTF-8 this way.
            throw new WeightFormatException(path, key, $"header is not valid UTF-8 JSON: {e.Message}", e);
        }

        CheckTiling(path, entries, offsets, dataLength);
        return (headerLength, entries.ToArray(), offsets.Select(static o => o.Begin).ToArray(), metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, string path, Dictionary<string, string> metadata)
    {
        Expect(ref reader, JsonTokenType.StartObject, path, MetadataKey, "__metadata__");
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
                throw new WeightFormatException(path, MetadataKey, $"value of '{name}' is {reader.TokenType}, not a string");
            if (!metadata.TryAdd(name, reader.GetString()!))
                throw new WeightFormatException(path, MetadataKey, $"duplicate metadata key '{name}'");
        }
    }

    private static (TensorEntry Entry, long Begin, long End) ReadEntry(ref Utf8JsonReader reader, string path, string key, long dataLength)
    {
        Expect(ref reader, JsonTokenType.StartObject, path, key, "tensor entry");
        string? dtypeName = null;
        List<long>? shape = null;
        List<long>? dataOffsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            var field = reader.GetString();
            switch (field)
            {
                case "dtype":
                    if (dtypeName is not null || Next(ref reader) != JsonTokenType.String)
                        throw new WeightFormatException(path, key, "'dtype' must be one string");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    if (shape is not null)
                        throw new WeightFormatException(path, key, "duplicate 'shape'");
                    shape = ReadInts(ref reader, path, key, "shape");
                    break;
                case "data_offsets":
                    if (dataOffsets is not null)
                        throw new WeightFormatException(path, key, "duplicate 'data_offsets'");
                    dataOffsets = ReadInts(ref reader, path, key, "data_offsets");
                    break;
                default:
                    reader.Read();
                    reader.Skip();
                    break;
            }
        }
        if (dtypeName is null || shape is null || dataOffsets is null)
            throw new WeightFormatException(path, key, "entry needs 'dtype', 'shape' and 'data_offsets'");
        if (!WeightDTypeExtensions.TryParseSafetensorsName(dtypeName, out var dtype))
            throw new WeightFormatException(path, key, $"unknown dtype '{dtypeName}'");
        if (dataOffsets.Count != 2)
            throw new WeightFormatException(path, key, $"'data_offsets' has {dataOffsets.Count} values, not [begin, end]");
        var (begin, end) = (dataOffsets[0], dataOffsets[1]);
        var shapeArray = shape.ToArray();
        long byteLength;
        try
        {
            long count = 1;
            foreach (var dim in shapeArray)
                count = checked(count * dim);
            byteLength = checked(count * dtype.ItemSize());
        }
        catch (OverflowException)
        {
            throw new WeightFormatException(path, key, $"{dtypeName} {TensorEntry.FormatShape(shapeArray)} has more bytes than a file can hold");
        }
        if (begin > end)
            throw new WeightFormatException(path, key, $"data_offsets [{begin}, {end}] are reversed");
        if (end > dataLength)
            throw new WeightFormatException(path, key, $"data_offsets [{begin}, {end}] extend beyond the {dataLength}-byte data region");
        if (end - begin != byteLength)
            throw new WeightFormatException(path, key, $"data_offsets [{begin}, {end}] span {end - begin} bytes but {dtypeName} {TensorEntry.FormatShape(shapeArray)} needs {byteLength}");
        return (new TensorEntry(key, dtype, shapeArray, byteLength), begin, end);
    }

    private static List<long> ReadInts(ref Utf8JsonReader reader, string path, string key, string field)
    {
        if (Next(ref reader) != JsonTokenType.StartArray)
            throw new WeightFormatException(path, key, $"'{field}' must be an array of non-negative integers");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
                throw new WeightFormatException(path, key, $"'{field}' must be an array of non-negative integers");
            values.Add(value);
        }
        return values;
    }

    /// <summary>The entries, sorted by offset, must cover [0, dataLength) exactly.</summary>
    private static void CheckTiling(string path, List<TensorEntry> entries, List<(long Begin, long End)> offsets, long dataLength)
    {
        var order = Enumerable.Range(0, entries.Count).OrderBy(i => offsets[i].Begin).ThenBy(i => offsets[i].End).ToArray();
        long position = 0;
        string? previous = null;
        foreach (var i in order)
        {
            var (begin, end) = offsets[i];
            if (begin < position)
                throw new WeightFormatException(path, entries[i].Name, $"data_offsets [{begin}, {end}] overlap '{previous}', which ends at {position}");
            if (begin > position)
                throw new WeightFormatException(path, entries[i].Name, $"data_offsets [{begin}, {end}] leave a hole [{position}, {begin}) in the data region");
            position = end;
            previous = entries[i].Name;
        }
        if (position != dataLength)
            throw new WeightFormatException(path, null, $"entries cover {position} bytes of the {dataLength}-byte data region (trailing bytes)");
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new JsonException("unexpected end of header");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path, string? key, string what)
    {
        if (Next(ref reader) != type)
            throw new WeightFormatException(path, key, $"{what} must be a JSON {(type == JsonTokenType.StartObject ? "object" : type.ToString())}, found {reader.TokenType}");
    }
}
