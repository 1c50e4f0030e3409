using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using Xunit;
using Xunit.Abstractions;

namespace TokenVision.IO.Tests.Weights;

/// <summary>
/// Seeded mutation fuzzing of small valid files: whatever the damage, only <see cref="WeightFormatException"/> may escape,
/// every open-and-read-everything finishes within a few seconds, and no attempt allocates more than a bounded amount.
/// Each format runs a fixed number of mutations or a time budget, whichever ends first; for a longer local run set
/// <c>TOKENVISION_FUZZ_SECONDS</c> (the iteration cap then scales with it), and <c>TOKENVISION_FUZZ_KEEP</c> to a folder
/// that receives a failing input.
/// </summary>
public sealed class WeightFuzzTests(ITestOutputHelper output)
{
    private static readonly double s_seconds = double.TryParse(Environment.GetEnvironmentVariable("TOKENVISION_FUZZ_SECONDS"), out var s) ? s : 3;
    private static readonly int s_maxIterations = (int)(2500 * Math.Max(1, s_seconds / 3));
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(s_seconds);
    private static readonly TimeSpan s_perFileLimit = TimeSpan.FromSeconds(20);
    private const long MaxAllocatedBytes = 256L << 20;

    [Fact]
    public void Safetensors_Mutations_OnlyRaiseTypedErrors()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["note"] = "fuzz";
        writer.Add("blocks.0.attn.qkv.weight", Enumerable.Range(0, 48).Select(i => i * 0.25f).ToArray(), 12, 4);
        writer.Add("blocks.0.norm.bias", new[] { (Half)1, (Half)(-2), Half.NaN }, 3);
        writer.Add("relative_position_index", new long[] { 0, 3, 2, 1 }, 2, 2);
        writer.Add("mask", new[] { true, false }, 2);
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        Fuzz(stream.ToArray(), seed: 1234, headerBias: 8 + 256);
    }

    [Fact]
    public void TorchZip_Mutations_OnlyRaiseTypedErrors() =>
        Fuzz(TorchSaveWriter.Zip(new TestDict(ordered: false) { { "model", TorchCheckpointTests.StateDict() }, { "epoch", 3L } }), seed: 5678, headerBias: 1024);

    [Fact]
    public void TorchLegacy_Mutations_OnlyRaiseTypedErrors() =>
        Fuzz(TorchSaveWriter.Legacy(TorchCheckpointTests.StateDict()), seed: 91011, headerBias: 1024);

    private void Fuzz(byte[] original, int seed, int headerBias)
    {
        using (var dir = new TempDir())
            ReadEverything(dir.Write("original.bin", original)); // the unmutated file must read cleanly

        // TOKENVISION_FUZZ_SEED shifts every seed for exploratory local runs; the default is fixed.
        seed += int.TryParse(Environment.GetEnvironmentVariable("TOKENVISION_FUZZ_SEED"), out var shift) ? shift : 0;
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var rejected = 0;
        var iterations = 0;
        using var temp = new TempDir();
        for (; iterations < s_maxIterations && clock.Elapsed < s_budget; iterations++)
        {
            var mutated = Mutate(original, random, headerBias);
            var path = temp.Write($"m{iterations % 4}.bin", mutated);
            // A dedicated thread per attempt: pool threads may be starved by tests running in parallel.
            var attempt = Task.Factory.StartNew(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var typed = false;
                try
                {
                    ReadEverything(path);
                }
                catch (WeightFormatException)
                {
                    typed = true;
                }
                return (Allocated: GC.GetAllocatedBytesForCurrentThread() - before, Typed: typed);
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                Assert.True(attempt.Wait(s_perFileLimit), $"seed {seed}, iteration {iterations}: no result within {s_perFileLimit.TotalSeconds} s");
            }
            catch (AggregateException e)
            {
                if (Environment.GetEnvironmentVariable("TOKENVISION_FUZZ_KEEP") is { Length: > 0 } keep)
                    File.WriteAllBytes(Path.Combine(keep, $"fuzz-{seed}-{iterations}.bin"), mutated);
                Assert.Fail($"seed {seed}, iteration {iterations}: {e.InnerException}");
            }
            Assert.True(attempt.Result.Allocated < MaxAllocatedBytes, $"seed {seed}, iteration {iterations}: allocated {attempt.Result.Allocated} bytes");
            rejected += attempt.Result.Typed ? 1 : 0;
        }
        output.WriteLine($"seed {seed}: {iterations} mutations in {clock.Elapsed.TotalSeconds:F1} s, {rejected} rejected with WeightFormatException");
        Assert.True(iterations >= 50, $"only {iterations} mutations ran");
        Assert.True(rejected > 0, "no mutation was rejected");
    }

    private static void ReadEverything(string path)
    {
        using var source = WeightFile.Open(path);
        foreach (var entry in source.Entries)
        {
            _ = source.GetBytes(entry.Name).Length;
            if (entry.DType.IsFloatingPoint())
                _ = source.ReadFloat32(entry.Name);
            else
                _ = source.ReadInt64(entry.Name);
            if (source.TryGetFloat32Memory(entry.Name, out var memory))
                _ = MemoryMarshal.AsBytes(memory.Span).Length;
            source.TryGetMappedView(entry.Name, out _);
        }
        if (source is TorchCheckpointReader torch)
            _ = torch.Values.Count;
    }

    private static byte[] Mutate(byte[] original, Random random, int headerBias)
    {
        var bytes = original.ToList();
        Span<byte> big = stackalloc byte[8];
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds && bytes.Count > 0; r++)
        {
            // Most damage lands in the header/pickle, where the parsing logic is.
            var at = random.Next(2) == 0 ? random.Next(Math.Min(headerBias, bytes.Count)) : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 5:
                    // A large little-endian integer: header lengths, zip sizes and offsets, pickle lengths.
                    BinaryPrimitives.WriteUInt64LittleEndian(big, (1UL << random.Next(64)) + (ulong)random.Next(3) - 1);
                    var width = new[] { 1, 2, 4, 8 }[random.Next(4)];
                    for (var i = 0; i < width && at + i < bytes.Count; i++)
                        bytes[at + i] = big[i];
                    break;
                default:
                    // Copy a chunk elsewhere (duplicated opcodes, keys or records).
                    var from = random.Next(bytes.Count);
                    var chunk = bytes.GetRange(from, Math.Min(bytes.Count - from, 1 + random.Next(32)));
                    bytes.InsertRange(at, chunk);
                    break;
            }
        }
        return [.. bytes];
    }
}
