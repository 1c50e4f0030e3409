using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace TokenVision.IO.Weights;

/// <summary>
/// A whole file mapped read-only, exposed as spans. The only unsafe code of the weight readers: spans and float views of
/// mapped memory need a pointer (the managed <see cref="MemoryMappedViewAccessor"/> API can only copy).
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _pointer;
    private bool _disposed;

    private MappedFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        if (view is not null)
        {
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + view.PointerOffset;
        }
    }

    /// <summary>The mapped file's path.</summary>
    public string Path { get; }

    /// <summary>File length in bytes.</summary>
    public long Length { get; }

    /// <summary>True after <see cref="Dispose"/>.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Maps <paramref name="path"/> read-only; an empty file is allowed (every span is then empty).</summary>
    public static MappedFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess);
        try
        {
            var length = stream.Length;
            if (length == 0)
            {
                stream.Dispose();
                return new MappedFile(path, 0, null, null);
            }
            var map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                return new MappedFile(path, length, map, view);
            }
            catch
            {
                map.Dispose();
                throw;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>); the range must lie inside the file.</summary>
    public ReadOnlySpan<byte> Span(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > Length || length > Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, +{length}) outside a {Length}-byte file");
        if (length > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(length), length, "a span holds at most 2 GiB");
        return length == 0 ? ReadOnlySpan<byte>.Empty : new ReadOnlySpan<byte>(_pointer + offset, (int)length);
    }

    /// <summary>Address of the byte at <paramref name="offset"/> (which must be inside the file or at its end).</summary>
    public nint Address(long offset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || offset > Length)
            throw new ArgumentOutOfRangeException(nameof(offset));
        return (nint)(_pointer + offset);
    }

    /// <summary>A zero-copy float32 view of <paramref name="count"/> floats at a 4-byte aligned <paramref name="offset"/>.</summary>
    public ReadOnlyMemory<float> Float32Memory(long offset, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count < 0 || offset < 0 || offset > Length || (long)count * 4 > Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset));
        if (count == 0)
            return ReadOnlyMemory<float>.Empty;
        if (((nint)(_pointer + offset) & 3) != 0)
            throw new ArgumentException("float32 view must be 4-byte aligned", nameof(offset));
        return new FloatView(this, (float*)(_pointer + offset), count).Memory;
    }

    /// <summary>Unmaps the file; later access through views throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_view is not null)
        {
            _pointer = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }

    /// <summary>A <see cref="MemoryManager{T}"/> over mapped floats that refuses access once the mapping is gone.</summary>
    private sealed class FloatView(MappedFile owner, float* start, int count) : MemoryManager<float>
    {
        public override Span<float> GetSpan()
        {
            ObjectDisposedException.ThrowIf(owner._disposed, owner);
            return new Span<float>(start, count);
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ObjectDisposedException.ThrowIf(owner._disposed, owner);
            if ((uint)elementIndex > (uint)count)
                throw new ArgumentOutOfRangeException(nameof(elementIndex));
            return new MemoryHandle(start + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
