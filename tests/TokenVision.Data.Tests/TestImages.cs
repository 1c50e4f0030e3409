using TokenVision.IO.Imaging;
using TokenVision.IO.Npy;
using TokenVision.TestSupport;

namespace TokenVision.Data.Tests;

/// <summary>Images for tests: the fixture photos as PIL decoded them, and small images built from formulas.</summary>
internal static class TestImages
{
    /// <summary>The PIL decode of <c>photos/name</c> (uint8 HWC RGB), skipping when the fixtures are absent.</summary>
    public static Image Photo(string name) => FromNpy(Fixtures.Path($"images/photos/{name}.npy"));

    /// <summary>A uint8 HWC (or HW) .npy file as an image.</summary>
    public static Image FromNpy(string path)
    {
        var a = NpyFile.Read(path);
        var s = a.Shape;
        var model = s.Length == 2 || s[2] == 1 ? ColorModel.Gray : ColorModel.Rgb;
        return new Image(s[1], s[0], model, a.Data);
    }

    /// <summary>A w x h image whose sample (x, y, c) is <paramref name="f"/>(x, y, c).</summary>
    public static Image Make(int w, int h, int channels, Func<int, int, int, int> f)
    {
        var p = new byte[w * h * channels];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < channels; c++)
                    p[(y * w + x) * channels + c] = (byte)Math.Clamp(f(x, y, c), 0, 255);
        return new Image(w, h, channels == 1 ? ColorModel.Gray : ColorModel.Rgb, p);
    }

    /// <summary>Deterministic noise.</summary>
    public static Image Noise(int w, int h, int channels, int seed)
    {
        var r = new Random(seed);
        var p = new byte[w * h * channels];
        r.NextBytes(p);
        return new Image(w, h, channels == 1 ? ColorModel.Gray : ColorModel.Rgb, p);
    }

    public static byte At(Image image, int x, int y, int c = 0) => image.Pixels[(y * image.Width + x) * image.Channels + c];
}
