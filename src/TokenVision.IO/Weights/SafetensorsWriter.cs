using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TokenVision.IO.Weights;

/// <summary>
/// Collects tensors and writes them as one <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header
/// padded with spaces to a multiple of 8 bytes, and the data region.
/// </summary>
/// <remarks>
/// Data is written in a stable order: by decreasing item size, then in the order tensors were added, so with the 8-byte
/// aligned data region every tensor starts at a multiple of its item size. Header keys follow the same order, after
/// <c>__metadata__</c>. <see cref="Save"/> writes atomically (temporary file in the same directory, then rename).
/// Tensor bytes are copied when added.
/// </remarks>
public sealed class SafetensorsWriter
{
    private readonly List<(TensorEntry Entry, byte[] Data)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The <c>__metadata__</c> string map; omitted from the header when empty. Defaults to <c>{"format": "pt"}</c> as PyTorch writers do.</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };

    /// <summary>Number of tensors added.</summary>
    public int Count => _tensors.Count;

    /// <summary>Adds a tensor from raw little-endian bytes of <paramref name="dtype"/>; <paramref name="data"/> must hold exactly numel × item size bytes.</summary>
    public void Add(string name, WeightDType dtype, ReadOnlySpan<long> shape, ReadOnlySpan<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__")
            throw new ArgumentException("'__metadata__' is reserved for the metadata map", nameof(name));
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
                throw new ArgumentException($"'{name}': negative size in {TensorEntry.FormatShape(shape.ToArray())}", nameof(shape));
            count = checked(count * dim);
        }
        var byteLength = checked(count * dtype.ItemSize());
        if (data.Length != byteLength)
            throw new ArgumentException($"'{name}': {dtype.SafetensorsName()} {TensorEntry.FormatShape(shape.ToArray())} needs {byteLength} bytes, got {data.Length}", nameof(data));
        if (!_names.Add(name))
            throw new ArgumentException($"'{name}' was already added", nameof(name));
        _tensors.Add((new TensorEntry(name, dtype, shape.ToArray(), byteLength), data.ToArray()));
    }

    /// <summary>Adds an F32 tensor.</summary>
    public void Add(string name, ReadOnlySpan<float> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.F32, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds an F64 tensor.</summary>
    public void Add(string name, ReadOnlySpan<double> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.F64, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds an F16 tensor.</summary>
    public void Add(string name, ReadOnlySpan<Half> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.F16, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds an I64 tensor.</summary>
    public void Add(string name, ReadOnlySpan<long> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.I64, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds an I32 tensor.</summary>
    public void Add(string name, ReadOnlySpan<int> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.I32, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds a U8 tensor.</summary>
    public void Add(string name, ReadOnlySpan<byte> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.U8, shape, data);

    /// <summary>Adds a BOOL tensor (stored as bytes 0/1).</summary>
    public void Add(string name, ReadOnlySpan<bool> data, params ReadOnlySpan<long> shape) => Add(name, WeightDType.Bool, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Copies tensor <paramref name="name"/> (its dtype, shape and bytes) from <paramref name="source"/>, optionally under <paramref name="newName"/>.</summary>
    public void AddFrom(ITensorSource source, string name, string? newName = null)
    {
        var entry = source.GetEntry(name);
        Add(newName ?? name, entry.DType, entry.Shape, source.GetBytes(name));
    }

    /// <summary>Writes the file atomically to <paramref name="path"/>, replacing any existing file.</summary>
    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        var order = _tensors.Select((t, i) => (t, i)).OrderByDescending(x => x.t.Entry.DType.ItemSize()).ThenBy(x => x.i).Select(x => x.t).ToArray();
        var header = BuildHeader(order);
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var (_, data) in order)
            stream.Write(data);
    }

    private byte[] BuildHeader((TensorEntry Entry, byte[] Data)[] order)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in Metadata.OrderBy(static kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (entry, _) in order)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.SafetensorsName());
                json.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.ByteLength;
            }
            json.WriteEndObject();
        }
        var padding = (int)((8 - buffer.Length % 8) % 8);
        for (var i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
