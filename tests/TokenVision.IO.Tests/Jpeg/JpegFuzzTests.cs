using System.Buffers.Binary;
using System.Diagnostics;
using TokenVision.IO.Imaging;
using TokenVision.IO.Jpeg;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>
/// Seeded mutation fuzzing of every JPEG decode fixture: bit flips, byte overwrites, truncation, corrupted marker
/// lengths, inserted junk and header-focused damage. Only <see cref="ImageDecodeException"/> may escape, and every
/// decode must finish quickly.
/// </summary>
public sealed class JpegFuzzTests
{
    private const int Seed = 20240611;
    private const int MutationsPerFile = 600;
    private static readonly TimeSpan s_perDecodeLimit = TimeSpan.FromSeconds(2);

    [SkippableFact]
    public void MutatedFixtures_OnlyThrowImageDecodeException()
    {
        var files = JpegFixtures.Decode.Select(f => File.ReadAllBytes(Fixtures.Path(f))).ToArray();
        var random = new Random(Seed);
        var decoded = 0;
        var rejected = 0;
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        for (var f = 0; f < files.Length; f++)
        {
            for (var i = 0; i < MutationsPerFile; i++)
            {
                var (data, kind) = Mutate(files[f], random);
                var watch = Stopwatch.StartNew();
                var outcome = DecodeWithDeadline(data);
                watch.Stop();
                slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                var where = $"{JpegFixtures.Decode[f]} mutation #{i} ({kind}, {data.Length} bytes)";
                switch (outcome)
                {
                    case null:
                        Assert.Fail($"{where}: decode did not finish within {s_perDecodeLimit.TotalSeconds} s");
                        break;
                    case ImageDecodeException e:
                        Assert.False(string.IsNullOrEmpty(e.Reason), where);
                        rejected++;
                        break;
                    case Exception e:
                        Assert.Fail($"{where}: {e.GetType().Name} escaped: {e}");
                        break;
                    default:
                        decoded++;
                        break;
                }
            }
        }
        Assert.True(decoded + rejected == files.Length * MutationsPerFile);
        Assert.True(rejected > 0 && decoded > 0, $"decoded {decoded}, rejected {rejected}: the mutations should produce both outcomes");
        Assert.True(total.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {total.Elapsed}");
    }

    /// <summary>Returns the decoded image, the exception thrown, or null when the decode did not finish in time.</summary>
    private static object? DecodeWithDeadline(byte[] data)
    {
        var task = Task.Run<object>(() =>
        {
            try
            {
                return JpegDecoder.Decode(data, new DecodeOptions { SourceName = "fuzz" });
            }
            catch (Exception e)
            {
                return e;
            }
        });
        return task.Wait(s_perDecodeLimit) ? task.Result : null;
    }

    private static (byte[] Data, string Kind) Mutate(byte[] original, Random random)
    {
        var data = (byte[])original.Clone();
        switch (random.Next(8))
        {
            case 0:
                for (var n = random.Next(1, 9); n > 0; n--)
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                return (data, "bit flips");
            case 1:
                for (var n = random.Next(1, 5); n > 0; n--)
                    data[random.Next(data.Length)] = (byte)random.Next(256);
                return (data, "byte overwrites");
            case 2:
                return (data[..random.Next(data.Length)], "truncation");
            case 3:
            {
                var segments = JpegBytes.Segments(data);
                var offset = segments[random.Next(segments.Count)].Offset + 2;
                var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset));
                var corrupted = random.Next(4) switch
                {
                    0 => length + random.Next(-4, 5),
                    1 => random.Next(0, 4),
                    2 => 0xFFFF - random.Next(4),
                    _ => random.Next(65536),
                };
                BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(offset), (ushort)corrupted);
                return (data, "marker length");
            }
            case 4:
            {
                var at = random.Next(data.Length);
                var junk = new byte[random.Next(1, 17)];
                random.NextBytes(junk);
                if (random.Next(2) == 0)
                    junk[0] = 0xFF;
                return ([.. data[..at], .. junk, .. data[at..]], "inserted junk");
            }
            case 5:
            {
                // Damage the headers and tables, where most of the parsing decisions are made.
                var segments = JpegBytes.Segments(data);
                var (offset, length, _) = segments[random.Next(segments.Count)];
                for (var n = random.Next(1, 4); n > 0; n--)
                    data[Math.Min(offset + 4 + random.Next(Math.Max(1, length - 2)), data.Length - 1)] = (byte)random.Next(256);
                return (data, "header bytes");
            }
            case 6:
            {
                // Damage frame, table, restart and scan parameters anywhere in the file (progressive files have
                // many scan headers, each with its own spectral selection and successive approximation).
                var heads = JpegBytes.FindMarkers(data, 0xC0, 0xC2, 0xC4, 0xDA, 0xDD);
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    var h = heads[random.Next(heads.Count)];
                    var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(h + 2));
                    var at = h + 4 + random.Next(Math.Max(1, length - 2));
                    if (at < data.Length)
                        data[at] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)(data[at] ^ (1 << random.Next(8)));
                }
                return (data, "scan/frame parameters");
            }
            default:
            {
                // Flip bits in the entropy-coded data after the first scan header.
                var segments = JpegBytes.Segments(data);
                var start = segments[^1].Offset + 2 + segments[^1].Length;
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    var at = start + random.Next(Math.Max(1, data.Length - start));
                    if (at < data.Length)
                        data[at] ^= (byte)(1 << random.Next(8));
                }
                return (data, "entropy bits");
            }
        }
    }
}
