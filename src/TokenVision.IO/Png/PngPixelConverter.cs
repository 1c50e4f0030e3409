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
    private readonly int _bitDepth;
    private readonly int _colorType;
    private readonly byte[] _palette = [];
    private readonly int _paletteCount;
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
            _palette = new byte[256 * 4];
            for (var i = 0; i < _paletteCount; i++)
            {
                _palette[4 * i] = plte[3 * i];
                _palette[4 * i + 1] = plte[3 * i + 1];
                _palette[4 * i + 2] = plte[3 * i + 2];
                _palette[4 * i + 3] = i < trns.Length ? trns[i] : (byte)255;
            }
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
        if (_colorType == PngHeader.Palette)
        {
            if (_bitDepth == 8)
                ExpandPalette8(row, dst, width, y);
            else
                ExpandPalettePacked(row, dst, width, y);
            return;
        }
        ExpandGrayPacked(row, dst, width);
    }

    /// <summary>Reads <c>dst.Length</c> big-endian 16-bit samples from <paramref name="row"/>.</summary>
    public static void Convert16(ReadOnlySpan<byte> row, Span<ushort> dst)
    {
        row = row[..(2 * dst.Length)];
        for (var i = 0; i < dst.Length; i++)
            dst[i] = BinaryPrimitives.ReadUInt16BigEndian(row[(2 * i)..]);
    }

    private void ExpandPalette8(ReadOnlySpan<byte> row, Span<byte> dst, int width, int y)
    {
        var palette = _palette.AsSpan();
        row = row[..width];
        if (Model == ColorModel.Rgba)
        {
            dst = dst[..(4 * width)];
            for (var x = 0; x < row.Length; x++)
            {
                var index = row[x];
                if (index >= _paletteCount)
                    throw BadIndex(index, x, y);
                palette.Slice(4 * index, 4).CopyTo(dst[(4 * x)..]);
            }
        }
        else
        {
            dst = dst[..(3 * width)];
            for (var x = 0; x < row.Length; x++)
            {
                var index = row[x];
                if (index >= _paletteCount)
                    throw BadIndex(index, x, y);
                var o = 3 * x;
                var p = 4 * index;
                dst[o] = palette[p];
                dst[o + 1] = palette[p + 1];
                dst[o + 2] = palette[p + 2];
            }
        }
    }

    private void ExpandPalettePacked(ReadOnlySpan<byte> row, Span<byte> dst, int width, int y)
    {
        var palette = _palette.AsSpan();
        var channels = Channels;
        var bits = _bitDepth;
        var mask = (1 << bits) - 1;
        var perByte = 8 / bits;
        for (var x = 0; x < width; x++)
        {
            var shift = 8 - bits * (x % perByte + 1);
            var index = (row[x / perByte] >> shift) & mask;
            if (index >= _paletteCount)
                throw BadIndex(index, x, y);
            palette.Slice(4 * index, channels).CopyTo(dst[(channels * x)..]);
        }
    }

    private void ExpandGrayPacked(ReadOnlySpan<byte> row, Span<byte> dst, int width)
    {
        var bits = _bitDepth;
        var mask = (1 << bits) - 1;
        var scale = 255 / mask;
        var perByte = 8 / bits;
        dst = dst[..width];
        for (var x = 0; x < dst.Length; x++)
        {
            var shift = 8 - bits * (x % perByte + 1);
            dst[x] = (byte)(((row[x / perByte] >> shift) & mask) * scale);
        }
    }

    private ImageDecodeException BadIndex(int index, int x, int y) =>
        new(_source, $"palette index {index} at pixel ({x}, {y}) is beyond the {_paletteCount}-entry PLTE");
}
