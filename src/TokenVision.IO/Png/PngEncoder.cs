using System.Buffers.Binary;
using System.IO.Compression;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;

namespace TokenVision.IO.Png;

/// <summary>
/// Encodes gray, gray+alpha, RGB and RGBA images (8- or 16-bit) as non-interlaced PNG. Each row gets the filter whose
/// output has the smallest sum of absolute (signed) byte values, the heuristic of the PNG specification; the
/// filtered rows are deflated with zlib at the requested level.
/// </summary>
public static class PngEncoder
{
    /// <summary>The zlib level used when none is given (zlib's and PIL's default).</summary>
    public const int DefaultCompressionLevel = 6;

    private const int MaxIdatChunk = 1 << 18;

    /// <summary>Encodes <paramref name="image"/> as a PNG file.</summary>
    /// <param name="image">The image; its <see cref="Image.Model"/> becomes the PNG colour type, its bit depth the PNG bit depth.</param>
    /// <param name="compressionLevel">zlib level, 0 (stored) to 9 (smallest).</param>
    /// <returns>The whole file.</returns>
    public static byte[] Encode(Image image, int compressionLevel = DefaultCompressionLevel)
    {
        var stream = new MemoryStream();
        Write(stream, image, compressionLevel);
        return stream.ToArray();
    }

    /// <summary>Writes <paramref name="image"/> as a PNG file to <paramref name="stream"/>.</summary>
    /// <param name="stream">Destination.</param>
    /// <param name="image">The image to encode.</param>
    /// <param name="compressionLevel">zlib level, 0 (stored) to 9 (smallest).</param>
    public static void Write(Stream stream, Image image, int compressionLevel = DefaultCompressionLevel)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(compressionLevel, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compressionLevel, 9);

        var idat = CompressRows(image, compressionLevel);
        stream.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = (byte)image.BitDepth;
        ihdr[9] = image.Model switch
        {
            ColorModel.Gray => PngHeader.Gray,
            ColorModel.GrayAlpha => PngHeader.GrayAlpha,
            ColorModel.Rgb => PngHeader.Rgb,
            _ => PngHeader.Rgba,
        };
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk(stream, "IHDR"u8, ihdr);
        var data = idat.GetBuffer().AsSpan(0, (int)idat.Length);
        do
        {
            var part = data[..Math.Min(data.Length, MaxIdatChunk)];
            WriteChunk(stream, "IDAT"u8, part);
            data = data[part.Length..];
        }
        while (data.Length > 0);
        WriteChunk(stream, "IEND"u8, []);
    }

    /// <summary>Saves <paramref name="image"/> as a PNG file at <paramref name="path"/> atomically: written to a temporary file in the same folder, then moved over the target.</summary>
    /// <param name="image">The image to encode.</param>
    /// <param name="path">Destination file; replaced if it exists.</param>
    /// <param name="compressionLevel">zlib level, 0 (stored) to 9 (smallest).</param>
    public static void Save(Image image, string path, int compressionLevel = DefaultCompressionLevel)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(path);
        var bytes = Encode(image, compressionLevel);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Filters every row with its cheapest filter and deflates the result.</summary>
    private static MemoryStream CompressRows(Image image, int level)
    {
        var bpp = image.Channels * image.BitDepth / 8;
        var rowBytes = image.Width * bpp;
        var output = new MemoryStream();
        var prev = new byte[rowBytes];
        var cur = new byte[rowBytes];
        var best = new byte[rowBytes + 1];
        var trial = new byte[rowBytes + 1];
        using (var zlib = new ZLibStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            for (var y = 0; y < image.Height; y++)
            {
                CopyRow(image, y, cur);
                var bestCost = long.MaxValue;
                for (var filter = PngFilter.None; filter <= PngFilter.Paeth; filter++)
                {
                    trial[0] = (byte)filter;
                    PngKernels.Filter(filter, cur, prev, trial.AsSpan(1), bpp);
                    var cost = PngKernels.SumOfAbsoluteValues(trial.AsSpan(1));
                    if (cost < bestCost)
                    {
                        bestCost = cost;
                        (best, trial) = (trial, best);
                    }
                }
                zlib.Write(best);
                (prev, cur) = (cur, prev);
            }
        }
        return output;
    }

    private static void CopyRow(Image image, int y, Span<byte> row)
    {
        var samples = image.Width * image.Channels;
        if (image.BitDepth == 8)
        {
            image.Pixels.AsSpan(y * samples, samples).CopyTo(row);
            return;
        }
        var source = image.Pixels16.AsSpan(y * samples, samples);
        for (var i = 0; i < source.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(row[(2 * i)..], source[i]);
    }

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        stream.Write(type);
        stream.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, ~PngCrc32.Update(PngCrc32.Update(0xFFFFFFFFu, type), data));
        stream.Write(word);
    }
}
