using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Reads the bits of one entropy-coded segment, MSB first. The segment is first copied with its stuffed zero bytes
/// removed into a buffer followed by zero padding, so a refill is a single 8-byte load: no byte-by-byte marker
/// checks and no call in the decoding loops. Reading past the segment yields zero bits and is reported by
/// <see cref="Overrun"/>, which the decoder checks after every MCU.
/// </summary>
internal ref struct JpegBitReader
{
    /// <summary>Zero bytes kept after the segment in the buffer (one 8-byte load past the end).</summary>
    public const int Padding = 8;

    private readonly byte[] _buffer;
    private int _length;        // unstuffed bytes of the current segment

    /// <summary>Buffered bits, left-aligned: the next bit is bit 63. Hot loops may work on a copy and store it back.</summary>
    public ulong Bits;

    /// <summary>Number of valid bits in <see cref="Bits"/>.</summary>
    public int Count;

    /// <summary>Bytes of the segment loaded so far (may run past its end, where the bytes read as zero).</summary>
    public int Position;

    /// <summary>Creates a reader over <paramref name="buffer"/>, which must hold the longest segment plus <see cref="Padding"/> bytes.</summary>
    public JpegBitReader(byte[] buffer)
    {
        _buffer = buffer;
    }

    /// <summary>Offset in the file of the marker (or end of data) that ends the current segment.</summary>
    public int SegmentEnd { get; private set; }

    /// <summary>True when more bits were consumed than the segment holds.</summary>
    public readonly bool Overrun => (long)Position * 8 - Count > (long)_length * 8;

    /// <summary>
    /// Starts a new segment at <paramref name="start"/> in <paramref name="data"/>: copies its bytes up to the next
    /// marker, turning each stuffed 0xFF 0x00 into 0xFF, and empties the bit buffer.
    /// </summary>
    public void Begin(ReadOnlySpan<byte> data, int start)
    {
        var buffer = _buffer.AsSpan();
        var length = 0;
        var pos = start;
        while (true)
        {
            var rest = data[pos..];
            var ff = rest.IndexOf((byte)0xFF);
            var run = ff < 0 ? rest.Length : ff;
            rest[..run].CopyTo(buffer[length..]);
            length += run;
            pos += run;
            if (ff < 0 || pos + 1 >= data.Length || data[pos + 1] != 0)
                break;
            buffer[length++] = 0xFF;
            pos += 2;
        }
        buffer.Slice(length, Padding).Clear();
        _length = length;
        SegmentEnd = pos;
        Position = 0;
        Bits = 0;
        Count = 0;
    }

    /// <summary>Makes sure at least 32 bits are buffered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ensure32()
    {
        if (Count < 32)
        {
            Bits |= Load() >> Count;
            Count += Advance(Count);
        }
    }

    /// <summary>
    /// The 8 bytes at <see cref="Position"/> as a big-endian word (clamped to the segment end, where the padding reads
    /// as zeros). A refill ORs it in below the <c>count</c> valid bits and then calls <see cref="Advance"/>; bits below
    /// the valid ones are the true next bits, so loading them again later changes nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Load()
    {
        Debug.Assert(_buffer.Length >= _length + Padding);
        var at = Math.Min(Position, _length);
        return BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), at)));
    }

    /// <summary>Moves past the whole bytes a refill took with <paramref name="count"/> valid bits; returns the bits added (count ends at 56..63).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Advance(int count)
    {
        var take = (63 - count) >> 3;
        Position += take;
        return take << 3;
    }

    /// <summary>Decodes one Huffman symbol; returns -1 for a code that is not in the table. Needs 16 buffered bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(JpegHuffmanTable table)
    {
        int entry = table.Lookup[(int)(Bits >> (64 - JpegHuffmanTable.LookupBits))];
        if (entry == 0)
        {
            entry = DecodeLong(table, Bits);
            if (entry < 0)
                return -1;
        }
        var length = entry >> 8;
        Bits <<= length;
        Count -= length;
        return entry & 0xFF;
    }

    /// <summary>
    /// Decodes a code longer than the lookahead from the top 16 bits of <paramref name="bits"/>: returns
    /// <c>(length &lt;&lt; 8) | symbol</c>, or -1 when no code matches.
    /// </summary>
    /// <remarks>Inlined into the decoding loops so that they contain no calls; every index is in range by construction.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DecodeLong(JpegHuffmanTable table, ulong bits)
    {
        var peek = (int)(bits >> 48);
        ref var maxCode = ref MemoryMarshal.GetArrayDataReference(table.MaxCode);          // 18 entries
        ref var valueOffset = ref MemoryMarshal.GetArrayDataReference(table.ValueOffset);  // 17 entries
        for (var length = JpegHuffmanTable.LookupBits + 1; length <= 16; length++)
        {
            var code = peek >> (16 - length);
            if (code <= Unsafe.Add(ref maxCode, length))
            {
                var index = (code + Unsafe.Add(ref valueOffset, length)) & 0xFF;            // Values has 256 entries
                return (length << 8) | Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(table.Values), index);
            }
        }
        return -1;
    }

    /// <summary>Reads <paramref name="n"/> (0..16) bits as an unsigned value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int n)
    {
        var v = (int)((Bits >> 1) >> (63 - n));
        Bits <<= n;
        Count -= n;
        return v;
    }

    /// <summary>Reads one bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        var v = (int)(Bits >> 63);
        Bits <<= 1;
        Count--;
        return v;
    }

    /// <summary>Reads <paramref name="n"/> (0..16) bits and sign-extends them as a JPEG magnitude category value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int n) => Extend(ReadBits(n), n);

    /// <summary>Sign-extends an <paramref name="n"/>-bit magnitude value: values below 2^(n-1) are negative (v - 2^n + 1); n == 0 gives 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Extend(int v, int n) => v + (((v - (1 << n >> 1)) >> 31) & ((-1 << n) + 1));
}
