namespace TokenVision.IO.Jpeg;

/// <summary>
/// A Huffman decoding table (ITU T.81 Annex C) with a 9-bit lookahead table for short codes and, for AC tables,
/// a second lookahead that also resolves the coefficient value when code and value bits fit in 9 bits together.
/// </summary>
internal sealed class JpegHuffmanTable
{
    /// <summary>Bits resolved by one lookahead step.</summary>
    public const int LookupBits = 9;

    private const int LookupSize = 1 << LookupBits;

    private JpegHuffmanTable(byte[] counts, byte[] values)
    {
        Counts = counts;
        Values = values;
    }

    /// <summary>Number of codes of each length 1..16 (index 0 unused).</summary>
    public byte[] Counts { get; }

    /// <summary>Symbols in code order.</summary>
    public byte[] Values { get; }

    /// <summary>Lookahead: <c>(length &lt;&lt; 8) | symbol</c> for codes of at most 9 bits, 0 when the code is longer.</summary>
    public ushort[] Lookup { get; } = new ushort[LookupSize];

    /// <summary>
    /// AC lookahead: when a code and its value bits fit in 9 bits, <c>(value &lt;&lt; 16) | (run &lt;&lt; 8) | totalLength</c>
    /// with the value already sign-extended; otherwise 0.
    /// </summary>
    public int[] FastAc { get; } = new int[LookupSize];

    /// <summary>Largest code of each length (-1 if none); index 17 is a sentinel.</summary>
    public int[] MaxCode { get; } = new int[18];

    /// <summary>Index into <see cref="Values"/> of the first symbol of each length, minus that length's first code.</summary>
    public int[] ValueOffset { get; } = new int[17];

    /// <summary>True when every symbol is a valid DC magnitude category (0..15), as a DC table requires.</summary>
    public bool IsValidDcTable { get; private set; }

    /// <summary>Builds the table, or returns null when the code lengths overflow the code space.</summary>
    public static JpegHuffmanTable? Create(byte[] counts, byte[] values)
    {
        var table = new JpegHuffmanTable(counts, values);
        return table.Build() ? table : null;
    }

    private bool Build()
    {
        var code = 0;
        var k = 0;
        for (var length = 1; length <= 16; length++)
        {
            var n = Counts[length];
            if (n == 0)
            {
                MaxCode[length] = -1;
            }
            else
            {
                ValueOffset[length] = k - code;
                for (var i = 0; i < n; i++, k++, code++)
                {
                    // libjpeg rejects a table whose codes of one length reach the all-ones code.
                    if (code >= (1 << length) - 1)
                        return false;
                    if (length <= LookupBits)
                    {
                        var shift = LookupBits - length;
                        var first = code << shift;
                        var entry = (ushort)((length << 8) | Values[k]);
                        Lookup.AsSpan(first, 1 << shift).Fill(entry);
                    }
                }
                MaxCode[length] = code - 1;
            }
            code <<= 1;
        }
        MaxCode[17] = int.MaxValue;

        var dcValid = true;
        foreach (var v in Values)
            dcValid &= v <= 15;
        IsValidDcTable = dcValid;

        for (var bits = 0; bits < LookupSize; bits++)
        {
            var entry = Lookup[bits];
            if (entry == 0)
                continue;
            var length = entry >> 8;
            var rs = entry & 0xFF;
            var run = rs >> 4;
            var size = rs & 15;
            if (size == 0 || length + size > LookupBits)
                continue;
            var raw = (bits >> (LookupBits - length - size)) & ((1 << size) - 1);
            var value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
            FastAc[bits] = (value << 16) | (run << 8) | (length + size);
        }
        return true;
    }
}
