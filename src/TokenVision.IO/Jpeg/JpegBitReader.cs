using System.Runtime.CompilerServices;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Reads the bits of one entropy-coded segment, MSB first, removing stuffed zero bytes after 0xFF. At a marker
/// (or the end of the input) it supplies zero bits and counts them, so that a decoder which needs them can be
/// told that the segment ended early.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _padding;    // zero bits appended after the segment ended

    /// <summary>Buffered bits, left-aligned: the next bit is bit 63. Hot loops may work on a copy and store it back.</summary>
    public ulong Bits;

    /// <summary>Number of buffered bits in <see cref="Bits"/>, including padding.</summary>
    public int Count;

    /// <summary>Starts reading at <paramref name="position"/>.</summary>
    public JpegBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        _position = position;
    }

    /// <summary>Offset of the first byte not yet loaded into the bit buffer.</summary>
    public readonly int Position => _position;

    /// <summary>True when more bits were consumed than the segment holds.</summary>
    public readonly bool Overrun => Count < _padding;

    /// <summary>Discards buffered bits and continues at <paramref name="position"/> (after a restart marker).</summary>
    public void Reset(int position)
    {
        _position = position;
        Bits = 0;
        Count = 0;
        _padding = 0;
    }

    /// <summary>Makes sure at least 32 bits are buffered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ensure32()
    {
        if (Count < 32)
            Fill();
    }

    /// <summary>Tops the buffer up to more than 56 bits (padding with zeros once the segment has ended).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Fill()
    {
        var data = _data;
        var pos = _position;
        var bits = Bits;
        var count = Count;
        if (_padding == 0)
        {
            // Fast path: eight bytes without 0xFF can be taken whole.
            while (count <= 56 && pos + 8 <= data.Length)
            {
                var word = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(data.Slice(pos));
                var inverted = ~word;
                if (((inverted - 0x0101010101010101UL) & ~inverted & 0x8080808080808080UL) != 0)
                    break;
                var take = (64 - count) >> 3;
                bits |= word >> count;
                if (take < 8)
                    bits &= ~0UL << (64 - count - take * 8);
                count += take * 8;
                pos += take;
            }
            while (count <= 56)
            {
                if (pos >= data.Length)
                    break;
                var b = data[pos];
                if (b == 0xFF)
                {
                    if (pos + 1 >= data.Length || data[pos + 1] != 0)
                        break;
                    pos += 2;
                }
                else
                {
                    pos++;
                }
                bits |= (ulong)b << (56 - count);
                count += 8;
            }
        }
        if (count <= 56)
        {
            // The segment ended (marker or end of input): pad with zero bits.
            var add = (64 - count) & ~7;
            _padding += add;
            count += add;
        }
        _position = pos;
        Bits = bits;
        Count = count;
    }

    /// <summary>Decodes one Huffman symbol; returns -1 for a code that is not in the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(JpegHuffmanTable table)
    {
        var entry = table.Lookup[(int)(Bits >> (64 - JpegHuffmanTable.LookupBits))];
        if (entry != 0)
        {
            var length = entry >> 8;
            Bits <<= length;
            Count -= length;
            return entry & 0xFF;
        }
        return DecodeLong(table);
    }

    private int DecodeLong(JpegHuffmanTable table)
    {
        var entry = DecodeLong(table, Bits);
        if (entry < 0)
            return -1;
        var length = entry >> 8;
        Bits <<= length;
        Count -= length;
        return entry & 0xFF;
    }

    /// <summary>
    /// Decodes a code longer than the lookahead from the top 16 bits of <paramref name="bits"/>: returns
    /// <c>(length &lt;&lt; 8) | symbol</c>, or -1 when no code matches.
    /// </summary>
    public static int DecodeLong(JpegHuffmanTable table, ulong bits)
    {
        var peek = (int)(bits >> 48);
        var maxCode = table.MaxCode;
        for (var length = JpegHuffmanTable.LookupBits + 1; length <= 16; length++)
        {
            var code = peek >> (16 - length);
            if (code <= maxCode[length])
                return (length << 8) | table.Values[(code + table.ValueOffset[length]) & 0xFF];
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
