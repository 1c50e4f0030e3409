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

    /// <summary>Aligned pointer to element 0.</summary>
    public readonly byte* Pointer;

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
        var basePtr = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(block));
        Pointer = (byte*)(((nint)basePtr + StoragePool.Alignment - 1) & ~(nint)(StoragePool.Alignment - 1));
    }

    private Storage(byte* pointer, DType dtype, int length, object owner, bool readOnly)
    {
        Pointer = pointer;
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
