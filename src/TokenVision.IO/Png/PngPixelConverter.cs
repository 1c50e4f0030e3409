using System.Buffers.Binary;
using TokenVision.IO.Imaging;

namespace TokenVision.IO.Png;

/// <summary>
/// Turns reconstructed (unfiltered) PNG rows into output samples in the conventions of PIL:
/// 1/2/4-bit gray scaled to 0..255, palettes expanded to RGB (RGBA when a tRNS chunk exists),
/// 16-bit samples read big-endian into <see cref="ushort"/>.
/// </summary>
internal sealed class PngPixelConverter
{
    // Unpack tables by bit depth 1, 2, 4 (indices 0, 1, 2 scaled for gray; 3, 4, 5 unscaled for palette indices), built on first use.
    private static readonly ulong[]?[] s_unpackTables = new ulong[]?[6];

    private readonly int _bitDepth;
    private readonly int _colorType;
    private readonly uint[] _palette = [];
    private readonly int _paletteCount;
    private readonly ulong[] _unpack = [];
    private readonly byte[] _indices = [];
    private readonly string _source;

    /// <summary>Prepares the conversion for <paramref name="header"/>; <paramref name="plte"/> and <paramref name="trns"/> are the chunk payloads (empty when absent).</summary>
    public PngPixelConverter(PngHeader header, ReadOnlySpan<byte> plte, ReadOnlySpan<byte> trns, bool hasTrns, string source)
    {
        _bitDepth = header.BitDepth;
        _colorType = header.ColorType;
        _source = source;
        Model = header.ColorType switch
        {
            PngHeader.Gray => ColorModel.Gray,
            PngHeader.GrayAlpha => ColorModel.GrayAlpha,
            PngHeader.Rgb => ColorModel.Rgb,
            PngHeader.Rgba => ColorModel.Rgba,
            _ => hasTrns ? ColorModel.Rgba : ColorModel.Rgb,
        };
        if (header.ColorType == PngHeader.Palette)
        {
            _paletteCount = plte.Length / 3;
            _palette = new uint[256];
            for (var i = 0; i < _paletteCount; i++)
            {
                var alpha = i < trns.Length ? trns[i] : 255u;
                _palette[i] = plte[3 * i] | (uint)plte[3 * i + 1] << 8 | (uint)plte[3 * i + 2] << 16 | alpha << 24;
            }
        }
        if (header.BitDepth < 8)
        {
            // 1/2/4-bit gray is scaled to 0..255 as PIL does (x 255, 85, 17); palette indices are unpacked unscaled.
            var table = header.BitDepth / 2 + (header.ColorType == PngHeader.Palette ? 3 : 0);
            _unpack = s_unpackTables[table] ??= BuildUnpackTable(header.BitDepth, header.ColorType == PngHeader.Palette ? 1 : 255 / ((1 << header.BitDepth) - 1));
            if (header.ColorType == PngHeader.Palette)
                _indices = new byte[header.Width + 8];
        }
    }

    /// <summary>The output colour model.</summary>
    public ColorModel Model { get; }

    /// <summary>Output samples per pixel.</summary>
    public int Channels => (int)Model;

    /// <summary>True when a reconstructed row already is the output row (8-bit gray, gray+alpha, RGB or RGBA).</summary>
    public bool IsIdentity => _bitDepth == 8 && _colorType != PngHeader.Palette;

    /// <summary>Writes <paramref name="width"/> pixels of 8-bit output from <paramref name="row"/> into <paramref name="dst"/>.</summary>
    /// <exception cref="ImageDecodeException">A palette index is beyond the palette.</exception>
    public void Convert(ReadOnlySpan<byte> row, Span<byte> dst, int width, int y)
    {
        if (IsIdentity)
        {
            row[..(width * Channels)].CopyTo(dst);
            return;
        }
        if (_colorType != PngHeader.Palette)
        {
            Unpack(row, dst[..width]);
            return;
        }
        if (_bitDepth < 8)
        {
            var indices = _indices.AsSpan(0, width);
            Unpack(row, indices);
            row = indices;
        }
        ExpandPalette(row[..width], dst[..(width * Channels)], y);
    }

    /// <summary>Reads <c>dst.Length</c> big-endian 16-bit samples from <paramref name="row"/>.</summary>
    public static void Convert16(ReadOnlySpan<byte> row, Span<ushort> dst)
    {
        row = row[..(2 * dst.Length)];
        for (var i = 0; i < dst.Length; i++)
            dst[i] = BinaryPrimitives.ReadUInt16BigEndian(row[(2 * i)..]);
    }

    /// <summary>Looks every index up in the palette; the last whole entry is written with a 4-byte store that may spill into the next pixel, which is rewritten after.</summary>
    private void ExpandPalette(ReadOnlySpan<byte> indices, Span<byte> dst, int y)
    {
        var palette = _palette.AsSpan();
        var channels = Channels;
        var x = 0;
        for (; x < indices.Length && channels * x + 4 <= dst.Length; x++)
        {
            var index = indices[x];
            if (index >= _paletteCount)
                throw BadIndex(index, x, y);
            BinaryPrimitives.WriteUInt32LittleEndian(dst[(channels * x)..], palette[index]);
        }
        for (; x < indices.Length; x++)
        {
            var index = indices[x];
            if (index >= _paletteCount)
                throw BadIndex(index, x, y);
            var entry = palette[index];
            for (var c = 0; c < channels; c++)
                dst[channels * x + c] = (byte)(entry >> (8 * c));
        }
    }

    /// <summary>Splits packed 1/2/4-bit samples into one byte each through the table (8 output bytes are stored per input byte while they fit).</summary>
    private void Unpack(ReadOnlySpan<byte> row, Span<byte> dst)
    {
        var table = _unpack.AsSpan(0, 256);
        var perByte = 8 / _bitDepth;
        var x = 0;
        var i = 0;
        for (; x + 8 <= dst.Length; x += perByte, i++)
            BinaryPrimitives.WriteUInt64LittleEndian(dst[x..], table[row[i]]);
        for (; x < dst.Length; i++)
        {
            var expanded = table[row[i]];
            for (var k = 0; k < perByte && x < dst.Length; k++, x++)
                dst[x] = (byte)(expanded >> (8 * k));
        }
    }

    private static ulong[] BuildUnpackTable(int bits, int scale)
    {
        var table = new ulong[256];
        var mask = (1 << bits) - 1;
        for (var v = 0; v < 256; v++)
        {
            ulong expanded = 0;
            for (var k = 0; k < 8 / bits; k++)
                expanded |= (ulong)(((v >> (8 - bits * (k + 1))) & mask) * scale) << (8 * k);
            table[v] = expanded;
        }
        return table;
    }

    private ImageDecodeException BadIndex(int index, int x, int y) =>
        new(_source, $"palette index {index} at pixel ({x}, {y}) is beyond the {_paletteCount}-entry PLTE");
}
