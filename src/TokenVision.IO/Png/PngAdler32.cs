namespace TokenVision.IO.Png;

/// <summary>The Adler-32 checksum that ends a zlib stream (RFC 1950).</summary>
internal static class PngAdler32
{
    private const uint Base = 65521;

    // Largest n with 255 n (n + 1) / 2 + (n + 1)(Base - 1) below 2^32: sums cannot overflow within a block.
    private const int BlockLength = 5552;

    /// <summary>The Adler-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => PngKernels.Adler32(1, data);

    /// <summary>The Adler-32 of <paramref name="data"/>, one byte at a time (reference for the vector path).</summary>
    public static uint ComputeScalar(ReadOnlySpan<byte> data) => UpdateScalar(1, data);

    /// <summary>Continues the checksum <paramref name="adler"/> over <paramref name="data"/>, one byte at a time.</summary>
    public static uint UpdateScalar(uint adler, ReadOnlySpan<byte> data)
    {
        uint a = adler & 0xFFFF, b = adler >> 16;
        while (data.Length > 0)
        {
            var block = data[..Math.Min(data.Length, BlockLength)];
            var i = 0;
            for (; i + 4 <= block.Length; i += 4)
            {
                a += block[i];
                b += a;
                a += block[i + 1];
                b += a;
                a += block[i + 2];
                b += a;
                a += block[i + 3];
                b += a;
            }
            for (; i < block.Length; i++)
            {
                a += block[i];
                b += a;
            }
            a %= Base;
            b %= Base;
            data = data[block.Length..];
        }
        return b << 16 | a;
    }
}
