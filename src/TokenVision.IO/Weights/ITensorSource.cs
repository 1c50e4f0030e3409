using System.Diagnostics.CodeAnalysis;

namespace TokenVision.IO.Weights;

/// <summary>
/// A read-only set of named tensors from one weight file (safetensors or a PyTorch checkpoint), in file order.
/// Readers own their file mapping: spans, memories and <see cref="MappedTensorView"/>s are valid until <see cref="IDisposable.Dispose"/>.
/// </summary>
/// <remarks>
/// All multi-byte data is little-endian, as both formats store it; reads and conversions assume a little-endian host.
/// Readers are immutable after opening and safe for concurrent reads.
/// </remarks>
public interface ITensorSource : IDisposable
{
    /// <summary>The file the tensors come from, as used in error messages.</summary>
    string FilePath { get; }

    /// <summary>Tensor names in file order (safetensors: header order; PyTorch: state-dict order).</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Entries in the same order as <see cref="Names"/>.</summary>
    IReadOnlyList<TensorEntry> Entries { get; }

    /// <summary>True when a tensor called <paramref name="name"/> exists.</summary>
    bool Contains(string name);

    /// <summary>Looks a tensor up by name.</summary>
    bool TryGetEntry(string name, [MaybeNullWhen(false)] out TensorEntry entry);

    /// <summary>Returns the entry for <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming the file and key when absent.</summary>
    TensorEntry GetEntry(string name);

    /// <summary>
    /// The tensor's contiguous row-major bytes in the stored dtype. Zero-copy (a view of the mapping) where the bytes lie
    /// contiguously in the file; otherwise (a strided PyTorch view, a compressed zip member) a freshly materialised copy.
    /// </summary>
    /// <exception cref="WeightFormatException">The tensor is larger than a span can hold (2 GiB).</exception>
    ReadOnlySpan<byte> GetBytes(string name);

    /// <summary>Copies the tensor's contiguous bytes into <paramref name="destination"/>, which must be exactly <see cref="TensorEntry.ByteLength"/> long.</summary>
    void CopyBytes(string name, Span<byte> destination);

    /// <summary>Reads a floating-point tensor (F32, F16, BF16 or F64) as float32, row-major.</summary>
    /// <remarks>F16 and BF16 widen exactly (subnormals, infinities and NaN payloads kept); F64 rounds to nearest even, overflowing to infinity.</remarks>
    float[] ReadFloat32(string name);

    /// <summary>Like <see cref="ReadFloat32(string)"/>, into <paramref name="destination"/> of exactly <see cref="TensorEntry.ElementCount"/> elements.</summary>
    void ReadFloat32(string name, Span<float> destination);

    /// <summary>Reads an integer or bool tensor (I8..I64, U8..U64, BOOL) as int64, row-major; U64 values above <see cref="long.MaxValue"/> are an error.</summary>
    long[] ReadInt64(string name);

    /// <summary>
    /// Where the tensor's contiguous bytes lie in the memory-mapped file, for zero-copy use by an engine; false when they
    /// are not stored contiguously (strided view, compressed member).
    /// </summary>
    bool TryGetMappedView(string name, out MappedTensorView view);

    /// <summary>
    /// A zero-copy read-only float32 view of the mapping: true only when the dtype is F32, the bytes lie contiguously in
    /// the mapping and their address is 4-byte aligned. Accessing the memory after disposal throws <see cref="ObjectDisposedException"/>
    /// (spans already taken from it must not outlive the source).
    /// </summary>
    bool TryGetFloat32Memory(string name, out ReadOnlyMemory<float> memory);
}
