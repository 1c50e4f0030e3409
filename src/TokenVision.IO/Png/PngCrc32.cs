namespace TokenVision.IO.Png;

/// <summary>The CRC-32 of PNG chunks (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), slicing by eight bytes.</summary>
internal static class PngCrc32
{
    private static readonly uint[] s_table = BuildTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>Continues a running (pre-inverted) CRC over <paramref name="data"/>.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data) => PngKernels.Crc32(crc, data);

    /// <summary>Continues a running (pre-inverted) CRC over <paramref name="data"/> with the tables only (reference for the vector path).</summary>
    public static uint UpdateScalar(uint crc, ReadOnlySpan<byte> data)
    {
        var t = s_table.AsSpan(0, 8 * 256);
        while (data.Length >= 8)
        {
            var lo = crc ^ (uint)(data[0] | data[1] << 8 | data[2] << 16 | data[3] << 24);
            crc = t[7 * 256 + (int)(lo & 0xFF)] ^ t[6 * 256 + (int)((lo >> 8) & 0xFF)]
                ^ t[5 * 256 + (int)((lo >> 16) & 0xFF)] ^ t[4 * 256 + (int)(lo >> 24)]
                ^ t[3 * 256 + data[4]] ^ t[2 * 256 + data[5]]
                ^ t[1 * 256 + data[6]] ^ t[data[7]];
            data = data[8..];
        }
        foreach (var b in data)
            crc = t[(int)((crc ^ b) & 0xFF)] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        for (var n = 0; n < 256; n++)
        {
            for (var s = 1; s < 8; s++)
                table[s * 256 + n] = Step(table, table[(s - 1) * 256 + n]);
        }
        return table;

        static uint Step(uint[] t, uint c) => t[(int)(c & 0xFF)] ^ (c >> 8);
    }
}
