using BenchmarkDotNet.Attributes;
using TokenVision.Benchmarks.IO.Png;
using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;

namespace TokenVision.Benchmarks.Data;

/// <summary>
/// PIL-exact resize of the preprocessing photos to the eval sizes (timm vit_base: shorter side 248 bicubic; torchvision
/// ViT-B/16: 256 bilinear). Compare with PIL in the same session: <c>python3 bench/TokenVision.Benchmarks/Data/pil_resize.py</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ResizeBenchmarks
{
    private Image _image = null!;
    private int _width;
    private int _height;
    private Interpolation _filter;

    /// <summary>The photo (its PIL decode).</summary>
    [Params("china.jpg", "grace_hopper.jpg")]
    public string Photo { get; set; } = "";

    /// <summary>"bicubic-248" (timm) or "bilinear-256" (torchvision).</summary>
    [Params("bicubic-248", "bilinear-256")]
    public string Target { get; set; } = "";

    /// <summary>Loads the pixels and computes the output size as torchvision's Resize(int) does.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var a = NpyFile.Read(BenchFixtures.Path($"images/photos/{Photo}.npy"));
        _image = new Image(a.Shape[1], a.Shape[0], ColorModel.Rgb, a.Data);
        var parts = Target.Split('-');
        _filter = InterpolationNames.Parse(parts[0]);
        (_width, _height) = new Resize(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), _filter).OutputSize(_image.Width, _image.Height);
    }

    /// <summary>One resize.</summary>
    [Benchmark]
    public Image Resize() => Resampler.Resize(_image, _width, _height, _filter);
}
