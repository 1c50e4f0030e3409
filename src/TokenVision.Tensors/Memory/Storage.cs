using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TokenVision.Tensors.Memory;

/// <summary>
/// A reference-counted block of elements shared by a tensor and its views. Pooled storage returns its block
/// to <see cref="StoragePool"/> when the last reference is released; external storage (for example a
/// memory-mapped weight file) is read-only and keeps its owner alive.
/// </summary>
internal sealed unsafe class Storage
{
    private byte[]? _block;
    private readonly object? _owner;
    private int _refs = 1;
    private byte* _pointer;
    private readonly float _lazyFill;
    private readonly Lock? _lazyLock;

    /// <summary>Aligned pointer to element 0; deferred storage is allocated (and filled) on first access.</summary>
    public byte* Pointer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _pointer != null ? _pointer : Materialize();
    }

    /// <summary>True while deferred storage has not been allocated yet.</summary>
    public bool IsDeferred => _pointer == null;

    /// <summary>Element type.</summary>
    public readonly DType DType;

    /// <summary>Number of elements.</summary>
    public readonly int Length;

    /// <summary>True for storage that must not be written (memory-mapped weights).</summary>
    public readonly bool ReadOnly;

    /// <summary>Incremented by every in-place write; autograd compares it against the version it saved.</summary>
    public int Version;

    private Storage(byte[] block, DType dtype, int length)
    {
        _block = block;
        DType = dtype;
        Length = length;
        _pointer = Align(block);
    }

    private Storage(DType dtype, int length, float fill)
    {
        DType = dtype;
        Length = length;
        _lazyFill = fill;
        _lazyLock = new Lock();
    }

    private static byte* Align(byte[] block)
    {
        var basePtr = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(block));
        return (byte*)(((nint)basePtr + StoragePool.Alignment - 1) & ~(nint)(StoragePool.Alignment - 1));
    }

    /// <summary>
    /// Storage that is allocated only when first used, then filled with <paramref name="fill"/>: a model built to
    /// receive a checkpoint by <c>Set_</c> never allocates the parameters it replaces.
    /// </summary>
    public static Storage Deferred(DType dtype, int length, float fill) => new(dtype, length, fill);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte* Materialize()
    {
        if (_lazyLock is null)
            throw new ObjectDisposedException(nameof(Storage), "storage has no memory");
        lock (_lazyLock)
        {
            if (_pointer != null)
                return _pointer;
            var bytes = Math.Max(ByteLength, 1);
            var block = StoragePool.Rent(bytes);
            var p = Align(block);
            var span = new Span<byte>(p, (int)ByteLength);
            switch (DType)
            {
                case DType.Float32:
                    MemoryMarshal.Cast<byte, float>(span).Fill(_lazyFill);
                    break;
                case DType.Int64:
                    MemoryMarshal.Cast<byte, long>(span).Fill((long)_lazyFill);
                    break;
                default:
                    span.Fill(_lazyFill != 0 ? (byte)1 : (byte)0);
                    break;
            }
            _block = block;
            _pointer = p;
            return p;
        }
    }

    private Storage(byte* pointer, DType dtype, int length, object owner, bool readOnly)
    {
        _pointer = pointer;
        DType = dtype;
        Length = length;
        _owner = owner;
        ReadOnly = readOnly;
    }

    /// <summary>Rents uninitialised storage for <paramref name="length"/> elements.</summary>
    public static Storage Allocate(DType dtype, int length)
    {
        var bytes = (long)length * dtype.ElementSize();
        return new Storage(StoragePool.Rent(Math.Max(bytes, 1)), dtype, length);
    }

    /// <summary>Wraps external memory kept alive by <paramref name="owner"/>.</summary>
    public static Storage External(byte* pointer, DType dtype, int length, object owner, bool readOnly) =>
        new(pointer, dtype, length, owner, readOnly);

    /// <summary>True once the last reference was released.</summary>
    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    /// <summary>The object that keeps external memory alive, if any.</summary>
    public object? Owner => _owner;

    /// <summary>Adds a reference (a new view or a tensor saved for backward).</summary>
    public void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "storage was used after its last tensor was disposed");
    }

    /// <summary>Drops a reference; the last one returns the block to the pool.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _refs);
        if (left == 0)
        {
            var block = Interlocked.Exchange(ref _block, null);
            if (block is not null)
                StoragePool.Return(block);
        }
    }

    /// <summary>Current number of references.</summary>
    public int RefCount => Volatile.Read(ref _refs);

    /// <summary>Byte length of the storage.</summary>
    public long ByteLength => (long)Length * DType.ElementSize();
}
