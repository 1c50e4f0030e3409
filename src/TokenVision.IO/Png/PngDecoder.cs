using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using TokenVision.IO.Imaging;

namespace TokenVision.IO.Png;

/// <summary>
/// Decodes PNG files (ISO/IEC 15948) into <see cref="Image"/> with PIL's pixel conventions: every colour type and
/// bit depth, Adam7 interlace, palette expansion (to RGBA when tRNS is present), 16-bit samples kept as 16-bit.
/// Every chunk CRC and the zlib Adler-32 are checked; any malformed input gives an <see cref="ImageDecodeException"/>.
/// </summary>
public static class PngDecoder
{
    private const uint Ihdr = 0x49484452;
    private const uint Plte = 0x504C5445;
    private const uint Idat = 0x49444154;
    private const uint Iend = 0x49454E44;
    private const uint Trns = 0x74524E53;

    /// <summary>The eight bytes every PNG file starts with.</summary>
    internal static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // Adam7 pass origins and steps (specification section 8.2).
    private static ReadOnlySpan<byte> PassX0 => [0, 4, 0, 2, 0, 1, 0];
    private static ReadOnlySpan<byte> PassY0 => [0, 0, 4, 0, 2, 0, 1];
    private static ReadOnlySpan<byte> PassDx => [8, 8, 4, 4, 2, 2, 1];
    private static ReadOnlySpan<byte> PassDy => [8, 8, 8, 4, 4, 2, 2];

    /// <summary>Decodes the PNG file at <paramref name="path"/>; error messages name the path.</summary>
    /// <exception cref="ImageDecodeException">The file cannot be read or is not a valid PNG within the limits of <paramref name="options"/>.</exception>
    public static Image Decode(string path, DecodeOptions? options = null) =>
        Decode(ImageDecoder.ReadFile(path), (options ?? DecodeOptions.Default) with { SourceName = path });

    /// <summary>Decodes a whole PNG file held in <paramref name="data"/>; errors name <see cref="DecodeOptions.SourceName"/>.</summary>
    /// <exception cref="ImageDecodeException">The data is not a valid PNG within the limits of <paramref name="options"/>.</exception>
    public static Image Decode(ReadOnlySpan<byte> data, DecodeOptions? options = null)
    {
        options ??= DecodeOptions.Default;
        var source = options.SourceName;
        var chunks = ReadChunks(data, options, source);
        var header = chunks.Header;
        var converter = new PngPixelConverter(header, data.Slice(chunks.PlteOffset, chunks.PlteLength),
            data.Slice(chunks.TrnsOffset, chunks.TrnsLength), chunks.HasTrns, source);
        var rawLength = RawLength(header, source);
        var samples = (long)header.Width * header.Height * converter.Channels;
        if (samples > Array.MaxLength)
            throw new ImageDecodeException(source, $"image of {header.Width}x{header.Height}x{converter.Channels} samples is too large for one buffer");

        var raw = Inflate(data, chunks, rawLength, source);
        try
        {
            return header.BitDepth == 16
                ? Reconstruct16(raw, header, converter, source)
                : Reconstruct8(raw, header, converter, source);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static Image Reconstruct8(byte[] raw, PngHeader header, PngPixelConverter converter, string source)
    {
        int width = header.Width, height = header.Height, channels = converter.Channels;
        var pixels = GC.AllocateUninitializedArray<byte>(checked(width * height * channels));
        var outRow = width * channels;
        if (header.Interlaced)
        {
            var passRow = new byte[outRow];
            ForEachPassRow(raw, header, source, (row, pass, py, pw) =>
            {
                converter.Convert(row, passRow, pw, py);
                Scatter<byte>(passRow, pixels, header, channels, pass, py, pw);
            });
        }
        else if (converter.IsIdentity)
        {
            UnfilterInto(raw, pixels, header, source);
        }
        else
        {
            ForEachPassRow(raw, header, source, (row, _, y, _) => converter.Convert(row, pixels.AsSpan(y * outRow, outRow), width, y));
        }
        return new Image(width, height, converter.Model, pixels);
    }

    /// <summary>8-bit gray, gray+alpha, RGB or RGBA without interlace: rows are reconstructed straight into the output, each predicted from the output row above.</summary>
    private static void UnfilterInto(byte[] raw, byte[] pixels, PngHeader header, string source)
    {
        var rowBytes = (int)header.RowBytes(header.Width);
        var zero = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            Array.Clear(zero, 0, rowBytes);
            ReadOnlySpan<byte> prev = zero.AsSpan(0, rowBytes);
            for (var y = 0; y < header.Height; y++)
            {
                var start = y * (rowBytes + 1);
                var filter = raw[start];
                if (filter > PngFilter.Paeth)
                    throw BadFilter(source, filter, y);
                var dst = pixels.AsSpan(y * rowBytes, rowBytes);
                PngKernels.Unfilter(filter, raw.AsSpan(start + 1, rowBytes), dst, prev, header.FilterStride);
                prev = dst;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zero);
        }
    }

    /// <summary>Copies the <paramref name="pw"/> pixels of row <paramref name="py"/> of Adam7 pass <paramref name="pass"/> to their places in the image.</summary>
    private static void Scatter<T>(ReadOnlySpan<T> passRow, Span<T> pixels, PngHeader header, int channels, int pass, int py, int pw)
    {
        var y = PassY0[pass] + py * PassDy[pass];
        var step = PassDx[pass] * channels;
        var o = (y * header.Width + PassX0[pass]) * channels;
        for (var x = 0; x < pw; x++, o += step)
            passRow.Slice(x * channels, channels).CopyTo(pixels[o..]);
    }

    private static Image Reconstruct16(byte[] raw, PngHeader header, PngPixelConverter converter, string source)
    {
        int width = header.Width, height = header.Height, channels = converter.Channels;
        var pixels = GC.AllocateUninitializedArray<ushort>(checked(width * height * channels));
        var outRow = width * channels;
        if (header.Interlaced)
        {
            var passRow = new ushort[outRow];
            ForEachPassRow(raw, header, source, (row, pass, py, pw) =>
            {
                PngPixelConverter.Convert16(row, passRow.AsSpan(0, pw * channels));
                Scatter<ushort>(passRow, pixels, header, channels, pass, py, pw);
            });
        }
        else
        {
            ForEachPassRow(raw, header, source, (row, _, y, _) => PngPixelConverter.Convert16(row, pixels.AsSpan(y * outRow, outRow)));
        }
        return new Image(width, height, converter.Model, pixels);
    }

    private delegate void RowAction(ReadOnlySpan<byte> row, int pass, int y, int width);

    /// <summary>Unfilters every row in place (per Adam7 pass when interlaced; a non-interlaced image is one pass) and hands it on.</summary>
    private static void ForEachPassRow(byte[] raw, PngHeader header, string source, RowAction action)
    {
        var bpp = header.FilterStride;
        var offset = 0;
        var maxRow = (int)header.RowBytes(header.Width);
        var zero = ArrayPool<byte>.Shared.Rent(maxRow);
        try
        {
            Array.Clear(zero, 0, maxRow);
            for (var pass = 0; pass < (header.Interlaced ? 7 : 1); pass++)
            {
                var (pw, ph) = header.Interlaced ? PassSize(header, pass) : (header.Width, header.Height);
                if (pw == 0 || ph == 0)
                    continue;
                var rowBytes = (int)header.RowBytes(pw);
                ReadOnlySpan<byte> prev = zero.AsSpan(0, rowBytes);
                for (var y = 0; y < ph; y++, offset += rowBytes + 1)
                {
                    var filter = raw[offset];
                    if (filter > PngFilter.Paeth)
                        throw BadFilter(source, filter, y, header.Interlaced ? pass + 1 : 0);
                    var row = raw.AsSpan(offset + 1, rowBytes);
                    PngKernels.Unfilter(filter, row, row, prev, bpp);
                    action(row, pass, y, pw);
                    prev = row;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(zero);
        }
    }

    private static (int Width, int Height) PassSize(PngHeader header, int pass)
    {
        var w = header.Width <= PassX0[pass] ? 0 : (header.Width - PassX0[pass] + PassDx[pass] - 1) / PassDx[pass];
        var h = header.Height <= PassY0[pass] ? 0 : (header.Height - PassY0[pass] + PassDy[pass] - 1) / PassDy[pass];
        return (w, h);
    }

    /// <summary>Bytes of filtered image data the header implies: one filter byte plus the packed row, per row of every non-empty pass.</summary>
    private static int RawLength(PngHeader header, string source)
    {
        long total = 0;
        for (var pass = 0; pass < (header.Interlaced ? 7 : 1); pass++)
        {
            var (pw, ph) = header.Interlaced ? PassSize(header, pass) : (header.Width, header.Height);
            if (pw > 0 && ph > 0)
                total += (header.RowBytes(pw) + 1) * ph;
        }
        if (total > Array.MaxLength)
            throw new ImageDecodeException(source, $"image data of {total} bytes is too large for one buffer");
        return (int)total;
    }

    /// <summary>
    /// Inflates the concatenated IDAT payloads into a pooled buffer holding exactly <paramref name="expected"/> bytes.
    /// The buffer grows with the data actually produced, so a header that promises more than the stream holds costs no large allocation.
    /// </summary>
    private static byte[] Inflate(ReadOnlySpan<byte> data, PngChunks chunks, int expected, string source)
    {
        var compressed = ArrayPool<byte>.Shared.Rent(chunks.IdatLength);
        byte[]? raw = null;
        try
        {
            var length = 0;
            foreach (var (offset, count) in chunks.Idat)
            {
                data.Slice(offset, count).CopyTo(compressed.AsSpan(length));
                length += count;
            }
            if (length < 6)
                throw new ImageDecodeException(source, $"IDAT holds {length} bytes, too few for a zlib stream");

            raw = ArrayPool<byte>.Shared.Rent((int)Math.Min(expected, Math.Max(1L << 16, 8L * length)));
            var produced = 0;
            using (var zlib = new ZLibStream(new MemoryStream(compressed, 0, length, writable: false), CompressionMode.Decompress))
            {
                try
                {
                    while (produced < expected)
                    {
                        if (produced == raw.Length)
                            raw = Grow(raw, produced, expected);
                        var n = zlib.Read(raw, produced, Math.Min(raw.Length, expected) - produced);
                        if (n == 0)
                            break;
                        produced += n;
                    }
                    if (produced < expected)
                        throw new ImageDecodeException(source, $"IDAT data too short: the zlib stream ends after {produced} of {expected} bytes");
                    Span<byte> extra = stackalloc byte[1];
                    if (zlib.Read(extra) != 0)
                        throw new ImageDecodeException(source, $"IDAT data too long: the zlib stream holds more than the {expected} bytes the header implies");
                }
                catch (InvalidDataException e)
                {
                    throw new ImageDecodeException(source, "corrupt zlib stream in IDAT (invalid deflate data or Adler-32 mismatch)", e);
                }
            }
            // ZLibStream accepts a stream cut inside its Adler-32 trailer; the checksum is verified here.
            var stored = BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(length - 4));
            var actual = PngAdler32.Compute(raw.AsSpan(0, expected));
            if (stored != actual)
                throw new ImageDecodeException(source, $"zlib stream truncated or corrupt: Adler-32 {actual:x8} does not match the stored {stored:x8}");
            var result = raw;
            raw = null;
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
            if (raw is not null)
                ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static byte[] Grow(byte[] buffer, int used, int limit)
    {
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, 2L * buffer.Length));
        buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>Where the chunks that matter lie in the input.</summary>
    private sealed class PngChunks
    {
        public PngHeader Header;
        public int PlteOffset;
        public int PlteLength;
        public int TrnsOffset;
        public int TrnsLength;
        public bool HasTrns;
        public int IdatLength;
        public List<(int Offset, int Length)> Idat { get; } = [];
    }

    /// <summary>Walks the chunk sequence from the signature to IEND, checking every CRC and the chunk ordering rules.</summary>
    private static PngChunks ReadChunks(ReadOnlySpan<byte> data, DecodeOptions options, string source)
    {
        if (data.Length == 0)
            throw new ImageDecodeException(source, "not a PNG file: the input is empty");
        if (data.Length < Signature.Length || !data[..Signature.Length].SequenceEqual(Signature))
            throw new ImageDecodeException(source, "not a PNG file: bad signature");

        var chunks = new PngChunks();
        var pos = Signature.Length;
        var seenHeader = false;
        var idatState = 0; // 0: none yet, 1: inside the IDAT run, 2: after it
        while (true)
        {
            if (data.Length - pos < 12)
                throw new ImageDecodeException(source, data.Length == pos
                    ? "truncated file: no IEND chunk"
                    : $"truncated file: incomplete chunk header at offset {pos}");
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
            var name = ChunkName(data.Slice(pos + 4, 4));
            if (!IsChunkType(data.Slice(pos + 4, 4)))
                throw new ImageDecodeException(source, $"invalid chunk type bytes {name} at offset {pos}");
            if (length > int.MaxValue)
                throw new ImageDecodeException(source, $"{name} chunk length {length} exceeds 2^31-1");
            if (data.Length - pos - 12 < length)
                throw new ImageDecodeException(source, $"truncated file: {name} chunk at offset {pos} announces {length} bytes, {Math.Max(0, data.Length - pos - 12)} present");
            var body = pos + 8;
            var n = (int)length;
            var stored = BinaryPrimitives.ReadUInt32BigEndian(data[(body + n)..]);
            if (PngCrc32.Compute(data.Slice(pos + 4, n + 4)) != stored)
                throw new ImageDecodeException(source, $"CRC mismatch in {name} chunk at offset {pos}");

            if (!seenHeader && type != Ihdr)
                throw new ImageDecodeException(source, $"the first chunk is {name}, not IHDR");
            if (idatState == 1 && type != Idat)
                idatState = 2;
            switch (type)
            {
                case Ihdr:
                    if (seenHeader)
                        throw new ImageDecodeException(source, "second IHDR chunk");
                    chunks.Header = ReadHeader(data.Slice(body, n), options, source);
                    seenHeader = true;
                    break;
                case Plte:
                    if (chunks.PlteLength > 0)
                        throw new ImageDecodeException(source, "second PLTE chunk");
                    if (idatState != 0)
                        throw new ImageDecodeException(source, "PLTE chunk after IDAT");
                    if (chunks.Header.ColorType is PngHeader.Gray or PngHeader.GrayAlpha)
                        throw new ImageDecodeException(source, $"PLTE chunk in a colour type {chunks.Header.ColorType} (gray) image");
                    if (n == 0 || n % 3 != 0 || n > 3 * 256)
                        throw new ImageDecodeException(source, $"PLTE length {n} is not 3 x 1..256 entries");
                    chunks.PlteOffset = body;
                    chunks.PlteLength = n;
                    break;
                case Trns:
                    if (idatState == 0 && !chunks.HasTrns)
                    {
                        chunks.HasTrns = true;
                        chunks.TrnsOffset = body;
                        chunks.TrnsLength = n;
                    }
                    break;
                case Idat:
                    if (idatState == 2)
                        throw new ImageDecodeException(source, "IDAT chunks are not consecutive");
                    if (chunks.Header.ColorType == PngHeader.Palette && chunks.PlteLength == 0)
                        throw new ImageDecodeException(source, "missing PLTE chunk before IDAT in a palette (colour type 3) image");
                    idatState = 1;
                    if (n > 0)
                    {
                        if (chunks.IdatLength > Array.MaxLength - n)
                            throw new ImageDecodeException(source, "IDAT data too large");
                        chunks.Idat.Add((body, n));
                        chunks.IdatLength += n;
                    }
                    break;
                case Iend:
                    if (idatState == 0)
                        throw new ImageDecodeException(source, "no IDAT chunk before IEND");
                    FinishAncillary(chunks);
                    return chunks;
                default:
                    if ((data[pos + 4] & 0x20) == 0)
                        throw new ImageDecodeException(source, $"unknown critical chunk {name}");
                    break;
            }
            pos = body + n + 4;
        }
    }

    /// <summary>tRNS changes the output only for palette images (gray/RGB keep their model, as PIL's L/RGB); extra entries beyond PLTE are ignored.</summary>
    private static void FinishAncillary(PngChunks chunks)
    {
        if (chunks.Header.ColorType != PngHeader.Palette)
        {
            chunks.HasTrns = false;
            chunks.TrnsLength = 0;
            return;
        }
        chunks.TrnsLength = Math.Min(chunks.TrnsLength, chunks.PlteLength / 3);
    }

    private static PngHeader ReadHeader(ReadOnlySpan<byte> ihdr, DecodeOptions options, string source)
    {
        if (ihdr.Length != 13)
            throw new ImageDecodeException(source, $"IHDR length {ihdr.Length}, expected 13");
        var width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        var height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw new ImageDecodeException(source, $"invalid image size {width}x{height} (each side must be 1 to 2^31-1)");
        var header = new PngHeader((int)width, (int)height, ihdr[8], ihdr[9], ihdr[12] == 1);
        if (!header.IsValidCombination)
            throw new ImageDecodeException(source, $"invalid colour type {header.ColorType} with bit depth {header.BitDepth}");
        if (ihdr[10] != 0)
            throw new ImageDecodeException(source, $"unknown compression method {ihdr[10]}");
        if (ihdr[11] != 0)
            throw new ImageDecodeException(source, $"unknown filter method {ihdr[11]}");
        if (ihdr[12] > 1)
            throw new ImageDecodeException(source, $"unknown interlace method {ihdr[12]}");
        var pixels = (long)width * height;
        if (pixels > options.MaxPixels)
            throw new ImageDecodeException(source, $"image of {width}x{height} = {pixels} pixels exceeds the limit of {options.MaxPixels} (DecodeOptions.MaxPixels)");
        return header;
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (!char.IsAsciiLetter((char)b))
                return false;
        }
        return true;
    }

    private static string ChunkName(ReadOnlySpan<byte> type) =>
        IsChunkType(type) ? System.Text.Encoding.ASCII.GetString(type) : $"0x{BinaryPrimitives.ReadUInt32BigEndian(type):X8}";

    private static ImageDecodeException BadFilter(string source, int filter, int row, int pass = 0) =>
        new(source, pass == 0 ? $"invalid filter type {filter} in row {row}" : $"invalid filter type {filter} in row {row} of interlace pass {pass}");
}
