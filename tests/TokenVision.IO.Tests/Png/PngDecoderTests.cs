using System.Diagnostics;
using TokenVision.IO.Imaging;
using TokenVision.IO.Png;
using Xunit;
using static TokenVision.IO.Tests.Png.PngTestFile;

namespace TokenVision.IO.Tests.Png;

public sealed class PngDecoderTests
{
    public static TheoryData<int, int, bool> Formats()
    {
        var data = new TheoryData<int, int, bool>();
        (int Type, int[] Depths)[] formats = [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])];
        foreach (var (type, depths) in formats)
        {
            foreach (var depth in depths)
            {
                data.Add(type, depth, false);
                data.Add(type, depth, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Decode_EveryColourTypeBitDepthAndInterlace_GivesTheSamples(int colorType, int bitDepth, bool interlaced)
    {
        (int W, int H)[] sizes = [(1, 1), (5, 3), (8, 8), (17, 9), (33, 2), (3, 33), (2, 1), (1, 7)];
        var random = new Random(colorType * 100 + bitDepth * 2 + (interlaced ? 1 : 0));
        foreach (var (w, h) in sizes)
        {
            var spp = SamplesPerPixel(colorType);
            var paletteCount = colorType == 3 ? random.Next(1, (1 << bitDepth) + 1) : 0;
            var limit = colorType == 3 ? paletteCount : 1 << bitDepth;
            var samples = new int[w * h * spp];
            for (var i = 0; i < samples.Length; i++)
                samples[i] = random.Next(limit);
            var palette = new byte[3 * paletteCount];
            random.NextBytes(palette);
            var alpha = new byte[interlaced ? paletteCount / 2 : 0];
            random.NextBytes(alpha);

            var chunks = new List<byte[]> { Ihdr((uint)w, (uint)h, bitDepth, colorType, interlaced) };
            if (colorType == 3)
                chunks.Add(Chunk("PLTE", palette));
            if (colorType == 3 && interlaced)
                chunks.Add(Chunk("tRNS", alpha));
            chunks.Add(Chunk("IDAT", Zlib(PackRaw(samples, w, h, bitDepth, spp, interlaced, r => (r + w) % 5))));
            chunks.Add(Chunk("IEND", []));
            var image = PngDecoder.Decode(Assemble([.. chunks]));

            Assert.Equal((w, h), (image.Width, image.Height));
            if (bitDepth == 16)
            {
                Assert.Equal(spp, image.Channels);
                Assert.Equal(samples.Select(v => (ushort)v).ToArray(), image.Pixels16);
            }
            else if (colorType == 3)
            {
                var channels = interlaced ? 4 : 3;
                Assert.Equal(channels, image.Channels);
                var expected = samples.SelectMany(i => new[] { palette[3 * i], palette[3 * i + 1], palette[3 * i + 2], i < alpha.Length ? alpha[i] : (byte)255 }.Take(channels)).ToArray();
                Assert.Equal(expected, image.Pixels);
            }
            else
            {
                Assert.Equal(spp, image.Channels);
                var scale = bitDepth == 8 ? 1 : 255 / ((1 << bitDepth) - 1);
                Assert.Equal(samples.Select(v => (byte)(v * scale)).ToArray(), image.Pixels);
            }
        }
    }

    [Theory]
    [InlineData(0, 1, new byte[] { 0, 1 }, ColorModel.Gray)]
    [InlineData(0, 16, new byte[] { 0, 1 }, ColorModel.Gray)]
    [InlineData(2, 8, new byte[] { 0, 1, 0, 2, 0, 3 }, ColorModel.Rgb)]
    public void Decode_GrayOrRgbWithTrns_KeepsTheFileColourModel(int colorType, int bitDepth, byte[] trns, ColorModel model)
    {
        var spp = SamplesPerPixel(colorType);
        var file = Assemble(Ihdr(3, 2, bitDepth, colorType), Chunk("tRNS", trns),
            Chunk("IDAT", Zlib(PackRaw(new int[6 * spp], 3, 2, bitDepth, spp, false, _ => 0))), Chunk("IEND", []));

        Assert.Equal(model, PngDecoder.Decode(file).Model);
    }

    [Fact]
    public void Decode_SplitIdatAndAncillaryChunks_AreHandled()
    {
        var samples = Enumerable.Range(0, 7 * 5 * 3).Select(i => i * 7 % 256).ToArray();
        var z = Zlib(PackRaw(samples, 7, 5, 8, 3, false, r => r % 5));
        var chunks = new List<byte[]> { Ihdr(7, 5, 8, 2), Chunk("tEXt", "Comment\0hello"u8), Chunk("PLTE", [1, 2, 3]), Chunk("zzZz", [9, 9]) };
        for (var i = 0; i < z.Length; i += 3)
            chunks.Add(Chunk("IDAT", z.AsSpan(i, Math.Min(3, z.Length - i))));
        chunks.Add(Chunk("IDAT", []));
        chunks.Add(Chunk("tIME", new byte[7]));
        chunks.Add(Chunk("IEND", []));
        var file = Assemble([.. chunks, [1, 2, 3]]);

        Assert.Equal(samples.Select(v => (byte)v).ToArray(), PngDecoder.Decode(file).Pixels);
    }

    public static TheoryData<string, byte[]> BadFiles()
    {
        var raw = PackRaw(new int[4 * 3 * 3], 4, 3, 8, 3, false, _ => 0);
        var z = Zlib(raw);
        var ihdr = Ihdr(4, 3, 8, 2);
        var idat = Chunk("IDAT", z);
        var iend = Chunk("IEND", []);
        var good = Assemble(ihdr, idat, iend);
        byte[] With(params byte[][] chunks) => Assemble(chunks);
        byte[] Mutated(byte[] file, int offset, byte value)
        {
            var copy = (byte[])file.Clone();
            copy[offset] = value;
            return copy;
        }
        var badFilterRaw = (byte[])raw.Clone();
        badFilterRaw[13] = 5;
        var badIndexRaw = PackRaw([0, 1, 2, 3], 2, 2, 8, 1, false, _ => 0);
        var zNoTrailer = z[..^2];
        var zBadAdler = (byte[])z.Clone();
        zBadAdler[^1] ^= 0x40;

        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "bad signature", [.. "GIF89a"u8, 0, 0, 0, 0] },
            { "bad signature", Mutated(good, 1, (byte)'p') },
            { "truncated file", good[..20] },
            { "truncated file", good[..^5] },
            { "no IEND", good[..^12] },
            { "CRC mismatch in IHDR", Mutated(good, 20, 0xFF) },
            { "CRC mismatch in IDAT", Mutated(good, good.Length - 16, 0xFF) },
            { "first chunk is IDAT", With(idat, ihdr, iend) },
            { "second IHDR", With(ihdr, ihdr, idat, iend) },
            { "IHDR length 12", With(Chunk("IHDR", new byte[12]), idat, iend) },
            { "invalid image size 0x3", With(Ihdr(0, 3, 8, 2), idat, iend) },
            { "invalid image size 2147483648x3", With(Ihdr(0x80000000, 3, 8, 2), idat, iend) },
            { "invalid colour type 2 with bit depth 4", With(Ihdr(4, 3, 4, 2), idat, iend) },
            { "invalid colour type 5", With(Ihdr(4, 3, 8, 5), idat, iend) },
            { "unknown interlace method 2", With(Chunk("IHDR", [0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 0, 0, 2]), idat, iend) },
            { "unknown compression method 1", With(Chunk("IHDR", [0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 1, 0, 0]), idat, iend) },
            { "unknown filter method 1", With(Chunk("IHDR", [0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 0, 1, 0]), idat, iend) },
            { "unknown critical chunk ABCD", With(ihdr, Chunk("ABCD", []), idat, iend) },
            { "invalid chunk type bytes", With(ihdr, Chunk("AB1D", []), idat, iend) },
            { "no IDAT", With(ihdr, iend) },
            { "not consecutive", With(ihdr, Chunk("IDAT", z[..5]), Chunk("tEXt", "a\0b"u8), Chunk("IDAT", z[5..]), iend) },
            { "missing PLTE", With(Ihdr(2, 2, 8, 3), Chunk("IDAT", Zlib(badIndexRaw)), iend) },
            { "PLTE chunk in a colour type 0", With(Ihdr(2, 2, 8, 0), Chunk("PLTE", [1, 2, 3]), Chunk("IDAT", Zlib(badIndexRaw)), iend) },
            { "PLTE length 4", With(Ihdr(2, 2, 8, 3), Chunk("PLTE", [1, 2, 3, 4]), Chunk("IDAT", Zlib(badIndexRaw)), iend) },
            { "palette index 3 at pixel (1, 1)", With(Ihdr(2, 2, 8, 3), Chunk("PLTE", new byte[9]), Chunk("IDAT", Zlib(badIndexRaw)), iend) },
            { "invalid filter type 5 in row 1", With(ihdr, Chunk("IDAT", Zlib(badFilterRaw)), iend) },
            { "too short", With(ihdr, Chunk("IDAT", Zlib(raw[..^1])), iend) },
            { "too long", With(ihdr, Chunk("IDAT", Zlib([.. raw, 0])), iend) },
            { "too few for a zlib stream", With(ihdr, Chunk("IDAT", [0x78, 0x9C]), iend) },
            { "corrupt zlib stream", With(ihdr, Chunk("IDAT", [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), iend) },
            { "corrupt zlib stream", With(ihdr, Chunk("IDAT", [0x12, .. z[1..]]), iend) },
            { "Adler-32", With(ihdr, Chunk("IDAT", zNoTrailer), iend) },
            { "Adler-32", With(ihdr, Chunk("IDAT", zBadAdler), iend) },
            { "chunk length", With(ihdr, [0x80, 0, 0, 0, .. "IDAT"u8, 0, 0, 0, 0], iend) },
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Decode_BadInput_ThrowsImageDecodeExceptionWithTheReason(string reason, byte[] file)
    {
        var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(file, new DecodeOptions { SourceName = "case.png" }));

        Assert.Equal("case.png", e.Source);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HugeHeader_IsRejectedBeforeAllocating()
    {
        var file = Assemble(Ihdr(100_000, 100_000, 8, 6), Chunk("IDAT", Zlib(new byte[100])), Chunk("IEND", []));
        WarmUp();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(file));
        watch.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Contains("exceeds the limit", e.Reason, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
        Assert.True(watch.ElapsedMilliseconds < 1000, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Decode_HeaderWithinTheLimitButShortData_FailsWithoutAllocatingTheImage()
    {
        // 9000 x 9000 RGBA = 324 MB of pixels promised, 100 bytes delivered.
        var file = Assemble(Ihdr(9000, 9000, 8, 6), Chunk("IDAT", Zlib(new byte[100])), Chunk("IEND", []));
        WarmUp();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(file));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Contains("too short", e.Reason, StringComparison.Ordinal);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Decode_MaxPixelsOption_IsHonoured()
    {
        var file = Assemble(Ihdr(10, 10, 8, 0), Chunk("IDAT", Zlib(new byte[110])), Chunk("IEND", []));

        Assert.Equal(100, PngDecoder.Decode(file, new DecodeOptions { MaxPixels = 100 }).Pixels.Length);
        Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(file, new DecodeOptions { MaxPixels = 99 }));
    }

    [Fact]
    public void DecodePath_NamesThePath()
    {
        var folder = Directory.CreateTempSubdirectory("tv-png-");
        try
        {
            var path = Path.Combine(folder.FullName, "broken.png");
            File.WriteAllBytes(path, [.. Signature, 1, 2]);
            var missing = Path.Combine(folder.FullName, "missing.png");

            var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(path, new DecodeOptions { SourceName = "ignored" }));
            var m = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(missing));

            Assert.Equal(path, e.Source);
            Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
            Assert.Equal(missing, m.Source);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void WarmUp()
    {
        var small = Assemble(Ihdr(1, 1, 8, 0), Chunk("IDAT", Zlib(new byte[2])), Chunk("IEND", []));
        PngDecoder.Decode(small);
        try
        {
            PngDecoder.Decode(Assemble(Ihdr(100_000, 100_000, 8, 6), Chunk("IEND", [])));
        }
        catch (ImageDecodeException)
        {
        }
    }
}
