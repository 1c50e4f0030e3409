using BenchmarkDotNet.Attributes;
using TokenVision.IO.Imaging;
using TokenVision.IO.Png;

namespace TokenVision.Benchmarks.IO.Png;

/// <summary>
/// Whole-file PNG decode from memory (chunk walk, CRCs, inflate, Adler-32, unfilter, pixel conversion) over the
/// decode fixtures and the PNG photos; compare with PIL's <c>Image.open(io.BytesIO(data)).load()</c> on the same files.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class PngDecodeBenchmarks
{
    private byte[] _data = [];

    /// <summary>Fixture path below <c>images/</c>.</summary>
    [ParamsSource(nameof(Files))]
    public string File { get; set; } = "";

    /// <summary>The PNG decode fixtures and the PNG photos.</summary>
    public static IEnumerable<string> Files =>
    [
        "decode/png_bilevel.png", "decode/png_gray16.png", "decode/png_gray8.png", "decode/png_gray_alpha.png",
        "decode/png_palette.png", "decode/png_palette_4bit.png", "decode/png_palette_trns.png", "decode/png_rgb.png",
        "decode/png_rgb_adam7.png", "decode/png_rgb_adam7_5x3.png", "decode/png_rgb_allfilters.png", "decode/png_rgba.png",
        "photos/astronaut.png", "photos/chelsea.png", "photos/coffee.png",
    ];

    /// <summary>Loads the file into memory so that disk reads are not timed.</summary>
    [GlobalSetup]
    public void Setup() => _data = System.IO.File.ReadAllBytes(BenchFixtures.Path("images/" + File));

    /// <summary>One whole decode.</summary>
    [Benchmark]
    public Image Decode() => PngDecoder.Decode(_data);
}
