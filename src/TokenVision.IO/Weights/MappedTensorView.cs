namespace TokenVision.IO.Weights;

/// <summary>
/// Where a tensor's contiguous little-endian bytes lie inside a read-only memory-mapped file.
/// <see cref="Address"/> stays valid until the owning <see cref="ITensorSource"/> is disposed; the memory must not be written.
/// </summary>
/// <param name="Address">Address of the first byte in this process.</param>
/// <param name="FileOffset">Offset of the first byte from the start of the file.</param>
/// <param name="ByteLength">Number of bytes.</param>
/// <remarks>
/// The mapping starts at file offset 0 on a page boundary, so <c>Address % a == FileOffset % a</c> for any power of two
/// <c>a</c> up to the page size. safetensors files written by the reference writer (and by <see cref="SafetensorsWriter"/>)
/// pad the header to a multiple of 8, so the data region is 8-byte aligned; each tensor is then aligned to its item size when
/// tensors are ordered by decreasing item size. PyTorch zip checkpoints align every stored record to 64 bytes.
/// </remarks>
public readonly record struct MappedTensorView(nint Address, long FileOffset, long ByteLength)
{
    /// <summary>True when <see cref="Address"/> is a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public bool IsAligned(int alignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "alignment must be a positive power of two");
        return (Address & (alignment - 1)) == 0;
    }
}
