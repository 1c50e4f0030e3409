using BenchmarkDotNet.Attributes;
using TokenVision.IO.Png;

namespace TokenVision.Benchmarks.IO.Png;

/// <summary>
/// The unfilter fast path against its scalar twin on a 512 x 512 image, every row with one filter type
/// (3 bytes per pixel for RGB, 4 for RGBA).
/// </summary>
[MemoryDiagnoser]
public class PngUnfilterBenchmarks
{
    private const int Width = 512;
    private const int Height = 512;
    private byte[] _filtered = [];
    private byte[] _output = [];
    private byte[] _zero = [];

    /// <summary>PNG filter type used for every row.</summary>
    [Params(PngFilter.Sub, PngFilter.Up, PngFilter.Average, PngFilter.Paeth)]
    public int Filter { get; set; }

    /// <summary>Bytes per pixel: 3 (RGB) or 4 (RGBA).</summary>
    [Params(3, 4)]
    public int Bpp { get; set; }

    /// <summary>Random filtered rows (the data values do not change the work done).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rowBytes = Width * Bpp;
        _filtered = new byte[rowBytes * Height];
        new Random(42).NextBytes(_filtered);
        _output = new byte[_filtered.Length];
        _zero = new byte[rowBytes];
    }

    /// <summary>The scalar reference, <see cref="PngFilter.Unfilter"/>.</summary>
    [Benchmark(Baseline = true)]
    public void UnfilterScalar() => Run(PngFilter.Unfilter);

    /// <summary>The fast path, <see cref="PngKernels.Unfilter"/>.</summary>
    [Benchmark]
    public void UnfilterKernel() => Run(PngKernels.Unfilter);

    private delegate void UnfilterRow(int filter, ReadOnlySpan<byte> src, Span<byte> dst, ReadOnlySpan<byte> prev, int bpp);

    private void Run(UnfilterRow unfilter)
    {
        var rowBytes = Width * Bpp;
        ReadOnlySpan<byte> prev = _zero;
        for (var y = 0; y < Height; y++)
        {
            var dst = _output.AsSpan(y * rowBytes, rowBytes);
            unfilter(Filter, _filtered.AsSpan(y * rowBytes, rowBytes), dst, prev, Bpp);
            prev = dst;
        }
    }
}
