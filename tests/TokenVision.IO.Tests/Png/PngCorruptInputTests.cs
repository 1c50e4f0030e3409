using System.Buffers.Binary;
using System.Diagnostics;
using TokenVision.IO.Imaging;
using TokenVision.IO.Png;
using TokenVision.TestSupport;
using Xunit;
using Xunit.Abstractions;
using static TokenVision.IO.Tests.Png.PngTestFile;

namespace TokenVision.IO.Tests.Png;

[Collection(nameof(PngFuzzCollection))]
public sealed class PngCorruptInputTests(ITestOutputHelper output)
{
    private static readonly string[] s_decodeFixtures =
    [
        "png_bilevel.png", "png_gray16.png", "png_gray8.png", "png_gray_alpha.png", "png_palette.png", "png_palette_4bit.png",
        "png_palette_trns.png", "png_rgb.png", "png_rgb_adam7.png", "png_rgb_adam7_5x3.png", "png_rgb_allfilters.png", "png_rgba.png",
    ];

    [SkippableTheory]
    [InlineData("bad_crc.png", "CRC mismatch in IHDR")]
    [InlineData("truncated.png", "truncated file")]
    [InlineData("empty.jpg", "empty")]
    [InlineData("text.jpg", "bad signature")]
    [InlineData("garbage_after_soi.jpg", "bad signature")]
    [InlineData("truncated.jpg", "bad signature")]
    public void Decode_CorruptFixture_NamesFileAndReason(string name, string reason)
    {
        var path = Fixtures.Path($"images/corrupt/{name}");

        var e = Assert.Throws<ImageDecodeException>(() => PngDecoder.Decode(path));

        Assert.Equal(path, e.Source);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal($"{path}: {e.Reason}", e.Message);
    }

    /// <summary>
    /// Mutates every PNG decode fixture with a fixed seed: byte-level damage (with and without recomputed CRCs) and
    /// damage to the inflated scanlines re-deflated into a valid stream, so filters, palette lookup and length checks
    /// see bad data too. Only <see cref="ImageDecodeException"/> may escape, and every decode must finish quickly.
    /// </summary>
    [SkippableFact]
    public void Fuzz_MutatedFixtures_OnlyThrowImageDecodeException()
    {
        var files = s_decodeFixtures.Select(n => (Name: n, Bytes: File.ReadAllBytes(Fixtures.Path($"images/decode/{n}")))).ToArray();
        const int ByteMutationsPerFile = 400;
        const int ScanlineMutationsPerFile = 60;

        var run = Task.Run(() =>
        {
            var random = new Random(20_251_121);
            var outcomes = new Dictionary<string, int>();
            var failures = new List<string>();
            var slowest = TimeSpan.Zero;
            var decoding = TimeSpan.Zero;
            var total = Stopwatch.StartNew();
            foreach (var (name, bytes) in files)
            {
                var scanlines = Inflate(Idat(bytes));
                for (var i = 0; i < ByteMutationsPerFile + ScanlineMutationsPerFile; i++)
                {
                    var (mutated, kind) = i < ByteMutationsPerFile ? MutateBytes(random, bytes) : MutateScanlines(random, bytes, scanlines);
                    var watch = Stopwatch.StartNew();
                    string outcome;
                    try
                    {
                        var image = PngDecoder.Decode(mutated);
                        outcome = "decoded";
                        Assert.Equal(image.Width * image.Height * image.Channels, image.BitDepth == 8 ? image.Pixels.Length : image.Pixels16!.Length);
                    }
                    catch (ImageDecodeException e)
                    {
                        outcome = Category(e.Reason);
                    }
                    catch (Exception e)
                    {
                        outcome = "escaped " + e.GetType().Name;
                        failures.Add($"{name} #{i} ({kind}): {e}");
                    }
                    watch.Stop();
                    decoding += watch.Elapsed;
                    slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                }
            }
            return (outcomes, failures, slowest, decoding, total.Elapsed);
        });

        Assert.True(run.Wait(TimeSpan.FromSeconds(120)), "fuzzing did not finish within 120 s (a decode hangs?)");
        var (outcomes, failures, slowest, decoding, elapsed) = run.Result;
        foreach (var (outcome, count) in outcomes.OrderByDescending(p => p.Value))
            output.WriteLine($"{count,6}  {outcome}");
        output.WriteLine($"total {elapsed.TotalSeconds:F2} s, decoding {decoding.TotalSeconds:F2} s, slowest decode {slowest.TotalMilliseconds:F1} ms");

        Assert.Empty(failures);
        Assert.Equal(files.Length * (ByteMutationsPerFile + ScanlineMutationsPerFile), outcomes.Values.Sum());
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"slowest decode took {slowest.TotalMilliseconds} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {elapsed.TotalSeconds} s");
        // The mutations must reach past the CRC and zlib checks into the pixel code.
        foreach (var reached in new[] { "decoded", "CRC mismatch", "corrupt zlib stream", "invalid filter type", "palette index", "IDAT data too short", "IDAT data too long", "truncated file" })
            Assert.True(outcomes.Keys.Any(k => k.StartsWith(reached, StringComparison.Ordinal)), $"no mutation reached '{reached}'");
    }

    private static string Category(string reason)
    {
        var cut = reason.IndexOfAny([':', '(']);
        var head = cut < 0 ? reason : reason[..cut];
        return new string(head.TakeWhile(ch => !char.IsAsciiDigit(ch)).ToArray()).Trim();
    }

    private static byte[] Idat(byte[] file) =>
        [.. Chunks(file).Where(c => c.Type == "IDAT").SelectMany(c => file.AsSpan(c.Offset + 8, c.Length).ToArray())];

    /// <summary>One random byte-level mutation; half of them get every walkable CRC recomputed afterwards.</summary>
    private static (byte[] File, string Kind) MutateBytes(Random random, byte[] original)
    {
        var file = (byte[])original.Clone();
        var chunks = Chunks(file);
        var (type, offset, length) = chunks[random.Next(chunks.Count)];
        string kind;
        switch (random.Next(8))
        {
            case 0:
                for (var k = random.Next(1, 9); k > 0; k--)
                {
                    var bit = random.Next(file.Length * 8);
                    file[bit / 8] ^= (byte)(1 << (bit % 8));
                }
                kind = "bit flips";
                break;
            case 1:
                for (var k = random.Next(1, 5); k > 0; k--)
                    file[random.Next(file.Length)] = (byte)random.Next(256);
                kind = "byte overwrites";
                break;
            case 2:
                file = file[..random.Next(file.Length)];
                kind = "truncation";
                break;
            case 3:
                var newLength = random.Next(4) switch
                {
                    0 => (uint)(length + random.Next(-16, 17)),
                    1 => (uint)random.Next(),
                    2 => 0x7FFFFFFFu,
                    _ => 0xFFFFFFFFu,
                };
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(offset), newLength);
                kind = $"{type} length {newLength}";
                break;
            case 4:
                var junk = new byte[random.Next(1, 65)];
                random.NextBytes(junk);
                var at = random.Next(2) == 0 ? offset : random.Next(file.Length + 1);
                file = [.. file[..at], .. junk, .. file[at..]];
                kind = $"{junk.Length} junk bytes";
                break;
            case 5:
                var start = random.Next(file.Length);
                file = [.. file[..start], .. file[Math.Min(file.Length, start + random.Next(1, 200))..]];
                kind = "deleted range";
                break;
            case 6:
                var chunk = file[offset..(offset + 12 + length)];
                var (_, target, _) = chunks[random.Next(chunks.Count)];
                file = [.. file[..target], .. chunk, .. file[target..]];
                kind = $"duplicated {type}";
                break;
            default:
                var (_, ihdr, _) = chunks[0];
                var field = random.Next(5);
                var d = ihdr + 8;
                switch (field)
                {
                    case 0:
                        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(d), (uint)random.Next(0, 3000));
                        break;
                    case 1:
                        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(d + 4), random.Next(2) == 0 ? (uint)random.Next(0, 3000) : (uint)random.Next());
                        break;
                    case 2:
                        file[d + 8] = (byte)(random.Next(2) == 0 ? 1 << random.Next(5) : random.Next(256));
                        break;
                    case 3:
                        file[d + 9] = (byte)random.Next(8);
                        break;
                    default:
                        file[d + 12] ^= 1;
                        break;
                }
                kind = $"IHDR field {field}";
                break;
        }
        if (random.Next(2) == 0 || kind.StartsWith("IHDR", StringComparison.Ordinal))
        {
            FixCrcs(file);
            kind += ", CRC fixed";
        }
        return (file, kind);
    }

    /// <summary>Damages the inflated scanlines and re-deflates them into one valid IDAT, so the stream passes zlib and Adler-32 checks.</summary>
    private static (byte[] File, string Kind) MutateScanlines(Random random, byte[] original, byte[] scanlines)
    {
        var raw = (byte[])scanlines.Clone();
        string kind;
        switch (random.Next(4))
        {
            case 0:
                for (var k = random.Next(1, 4); k > 0; k--)
                    raw[random.Next(raw.Length)] = (byte)random.Next(5, 256);
                kind = "large bytes";
                break;
            case 1:
                for (var k = random.Next(1, 40); k > 0; k--)
                    raw[random.Next(raw.Length)] = (byte)random.Next(256);
                kind = "random bytes";
                break;
            case 2:
                raw = raw[..random.Next(raw.Length)];
                kind = "short scanlines";
                break;
            default:
                var extra = new byte[random.Next(1, 100)];
                random.NextBytes(extra);
                raw = [.. raw, .. extra];
                kind = "long scanlines";
                break;
        }
        var chunks = Chunks(original);
        var firstIdat = chunks.First(c => c.Type == "IDAT").Offset;
        var (_, lastOffset, lastLength) = chunks.Last(c => c.Type == "IDAT");
        var file = (byte[])[.. original[..firstIdat], .. Chunk("IDAT", Zlib(raw, System.IO.Compression.CompressionLevel.Fastest)), .. original[(lastOffset + 12 + lastLength)..]];
        return (file, kind);
    }
}
