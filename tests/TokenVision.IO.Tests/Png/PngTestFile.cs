using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TokenVision.IO.Tests.Png;

/// <summary>
/// Builds PNG files for tests, independently of the library's codec: table CRC, a plain scalar filter,
/// sample packing for every bit depth and Adam7 pass splitting.
/// </summary>
internal static class PngTestFile
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly int[] s_x0 = [0, 4, 0, 2, 0, 1, 0];
    private static readonly int[] s_y0 = [0, 0, 4, 0, 2, 0, 1];
    private static readonly int[] s_dx = [8, 8, 4, 4, 2, 2, 1];
    private static readonly int[] s_dy = [8, 8, 8, 4, 4, 2, 2];

    public static int SamplesPerPixel(int colorType) => colorType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

    private static readonly uint[] s_crcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>CRC-32 of the PNG specification's sample code: one table lookup per byte.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public static byte[] Ihdr(uint width, uint height, int bitDepth, int colorType, bool interlaced = false)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(d, width);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), height);
        d[8] = (byte)bitDepth;
        d[9] = (byte)colorType;
        d[12] = interlaced ? (byte)1 : (byte)0;
        return Chunk("IHDR", d);
    }

    public static byte[] Zlib(ReadOnlySpan<byte> raw, CompressionLevel level = CompressionLevel.Optimal)
    {
        var stream = new MemoryStream();
        using (var z = new ZLibStream(stream, level, leaveOpen: true))
            z.Write(raw);
        return stream.ToArray();
    }

    public static byte[] Inflate(byte[] zlib)
    {
        using var z = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress);
        var output = new MemoryStream();
        z.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Assemble(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    /// <summary>
    /// Packs <paramref name="samples"/> (<c>[height, width, samplesPerPixel]</c> values in file units) into filtered
    /// scanlines, per Adam7 pass when <paramref name="interlaced"/>; row r of each pass uses filter <c>filterOf(r)</c>.
    /// </summary>
    public static byte[] PackRaw(int[] samples, int width, int height, int bitDepth, int samplesPerPixel, bool interlaced, Func<int, int> filterOf)
    {
        var output = new List<byte>();
        var bpp = Math.Max(1, bitDepth * samplesPerPixel / 8);
        for (var pass = 0; pass < (interlaced ? 7 : 1); pass++)
        {
            var (x0, y0, dx, dy) = interlaced ? (s_x0[pass], s_y0[pass], s_dx[pass], s_dy[pass]) : (0, 0, 1, 1);
            var pw = width > x0 ? (width - x0 + dx - 1) / dx : 0;
            var ph = height > y0 ? (height - y0 + dy - 1) / dy : 0;
            if (pw == 0 || ph == 0)
                continue;
            var rowBytes = (pw * bitDepth * samplesPerPixel + 7) / 8;
            var prev = new byte[rowBytes];
            for (var r = 0; r < ph; r++)
            {
                var row = new byte[rowBytes];
                var bit = 0;
                for (var x = 0; x < pw; x++)
                {
                    for (var s = 0; s < samplesPerPixel; s++)
                    {
                        var v = samples[(((y0 + r * dy) * width) + x0 + x * dx) * samplesPerPixel + s];
                        if (bitDepth == 16)
                        {
                            row[bit / 8] = (byte)(v >> 8);
                            row[bit / 8 + 1] = (byte)v;
                        }
                        else
                        {
                            row[bit / 8] |= (byte)(v << (8 - bitDepth - bit % 8));
                        }
                        bit += bitDepth;
                    }
                }
                var filter = filterOf(r);
                output.Add((byte)filter);
                output.AddRange(Filter(filter, row, prev, bpp));
                prev = row;
            }
        }
        return [.. output];
    }

    private static byte[] Filter(int filter, byte[] cur, byte[] prev, int bpp)
    {
        var o = new byte[cur.Length];
        for (var i = 0; i < cur.Length; i++)
        {
            int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            var predictor = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => pa <= pb && pa <= pc ? a : pb <= pc ? b : c,
            };
            o[i] = (byte)(cur[i] - predictor);
        }
        return o;
    }

    /// <summary>The chunks of <paramref name="file"/> as far as they can be walked: type, offset of the length field, data length.</summary>
    public static List<(string Type, int Offset, int Length)> Chunks(byte[] file)
    {
        var list = new List<(string, int, int)>();
        var pos = 8;
        while (pos + 12 <= file.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos));
            if (length > (uint)(file.Length - pos - 12))
                break;
            list.Add((Encoding.ASCII.GetString(file, pos + 4, 4), pos, (int)length));
            pos += 12 + (int)length;
        }
        return list;
    }

    /// <summary>Rewrites the CRC of every chunk that can be walked, so that corruption reaches the code behind the CRC check.</summary>
    public static void FixCrcs(byte[] file)
    {
        foreach (var (_, offset, length) in Chunks(file))
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(offset + 8 + length), Crc(file.AsSpan(offset + 4, 4 + length)));
    }
}
