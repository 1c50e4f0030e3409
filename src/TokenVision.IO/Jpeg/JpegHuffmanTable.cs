namespace TokenVision.IO.Jpeg;

/// <summary>
/// A Huffman decoding table (ITU T.81 Annex C) with a 9-bit lookahead table for short codes and, for AC tables,
/// a second lookahead that also resolves the coefficient value when code and value bits fit in 9 bits together.
/// </summary>
internal sealed class JpegHuffmanTable
{
    /// <summary>Bits resolved by one symbol lookahead step.</summary>
    public const int LookupBits = 9;

    /// <summary>Bits examined by the combined AC lookahead (code, run and value together).</summary>
    public const int FastBits = 11;

    private const int LookupSize = 1 << LookupBits;

    private JpegHuffmanTable(byte[] counts, byte[] values)
    {
        Counts = counts;
        Values = new byte[256];
        values.CopyTo(Values, 0);
        SymbolCount = values.Length;
    }

    /// <summary>Number of codes of each length 1..16 (index 0 unused).</summary>
    public byte[] Counts { get; }

    /// <summary>Symbols in code order, in a 256-entry array (any byte-sized index is in range).</summary>
    public byte[] Values { get; }

    /// <summary>Number of symbols the table defines.</summary>
    public int SymbolCount { get; }

    /// <summary>Lookahead: <c>(length &lt;&lt; 8) | symbol</c> for codes of at most 9 bits, 0 when the code is longer.</summary>
    public ushort[] Lookup { get; } = new ushort[LookupSize];

    /// <summary>
    /// AC lookahead over <see cref="FastBits"/> bits: when a code and its value bits fit, <c>(value &lt;&lt; 16) |
    /// (run &lt;&lt; 8) | totalLength</c> with the value already sign-extended; for the end-of-block code, just its length
    /// (value 0); otherwise 0.
    /// </summary>
    public int[] FastAc { get; } = new int[1 << FastBits];

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
        foreach (var v in Values.AsSpan(0, SymbolCount))
            dcValid &= v <= 15;
        IsValidDcTable = dcValid;

        // Combined AC entries: enumerate the codes that fit in FastBits and every continuation of their value bits.
        code = 0;
        k = 0;
        for (var length = 1; length <= FastBits; length++)
        {
            for (var i = 0; i < Counts[length]; i++, k++, code++)
            {
                var rs = Values[k];
                var run = rs >> 4;
                var size = rs & 15;
                if (rs == 0)
                {
                    var shift = FastBits - length;
                    FastAc.AsSpan(code << shift, 1 << shift).Fill(length);
                    continue;
                }
                if (size == 0 || length + size > FastBits)
                    continue;
                var rest = FastBits - length - size;
                for (var raw = 0; raw < 1 << size; raw++)
                {
                    var value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
                    var first = ((code << size) | raw) << rest;
                    FastAc.AsSpan(first, 1 << rest).Fill((value << 16) | (run << 8) | (length + size));
                }
            }
            code <<= 1;
        }
        return true;
    }
}
