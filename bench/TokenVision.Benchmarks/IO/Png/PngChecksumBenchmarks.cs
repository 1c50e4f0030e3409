using BenchmarkDotNet.Attributes;
using TokenVision.IO.Png;

namespace TokenVision.Benchmarks.IO.Png;

/// <summary>Adler-32 (zlib trailer) and CRC-32 (chunk check) fast paths against their scalar twins over 768 KiB, the size of a 512 x 512 RGB image.</summary>
[MemoryDiagnoser]
public class PngChecksumBenchmarks
{
    private readonly byte[] _data = new byte[512 * 512 * 3];

    /// <summary>Random bytes.</summary>
    [GlobalSetup]
    public void Setup() => new Random(42).NextBytes(_data);

    /// <summary>Byte-at-a-time Adler-32.</summary>
    [Benchmark(Baseline = true)]
    public uint Adler32Scalar() => PngAdler32.ComputeScalar(_data);

    /// <summary>SSSE3 Adler-32.</summary>
    [Benchmark]
    public uint Adler32Kernel() => PngAdler32.Compute(_data);

    /// <summary>Slice-by-8 table CRC-32.</summary>
    [Benchmark]
    public uint Crc32Scalar() => PngCrc32.UpdateScalar(0xFFFFFFFF, _data);

    /// <summary>PCLMULQDQ folding CRC-32.</summary>
    [Benchmark]
    public uint Crc32Kernel() => PngCrc32.Update(0xFFFFFFFF, _data);
}
