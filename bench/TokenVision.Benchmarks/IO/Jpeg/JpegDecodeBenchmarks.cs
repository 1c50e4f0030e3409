using BenchmarkDotNet.Attributes;
using TokenVision.IO.Jpeg;

namespace TokenVision.Benchmarks.IO.Jpeg;

/// <summary>
/// JPEG decode throughput on the shared photos and decode fixtures, bytes preloaded. Compare with PIL in the same
/// run: <c>/usr/bin/python3 -m timeit -s "import io; from PIL import Image; d=open(PATH,'rb').read()" "Image.open(io.BytesIO(d)).load()"</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class JpegDecodeBenchmarks
{
    private byte[] _data = [];

    /// <summary>Fixture path below <c>shared/fixtures/images</c>.</summary>
    [Params("photos/china.jpg", "photos/flower.jpg", "photos/grace_hopper.jpg", "decode/jpeg_420_q75.jpg", "decode/jpeg_progressive.jpg")]
    public string File { get; set; } = "";

    /// <summary>Loads the file once.</summary>
    [GlobalSetup]
    public void Setup() => _data = System.IO.File.ReadAllBytes(Path.Combine(FindImages(), File));

    /// <summary>Decodes the preloaded bytes.</summary>
    [Benchmark]
    public int Decode() => JpegDecoder.Decode(_data).Pixels.Length;

    private static string FindImages()
    {
        var env = Environment.GetEnvironmentVariable("TOKENVISION_SHARED");
        if (!string.IsNullOrEmpty(env))
            return Path.Combine(env, "fixtures", "images");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures", "images");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("shared/fixtures/images not found (set TOKENVISION_SHARED)");
    }
}
