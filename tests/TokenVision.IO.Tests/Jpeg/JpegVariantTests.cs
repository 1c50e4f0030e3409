using System.Security.Cryptography;
using TokenVision.IO.Imaging;
using TokenVision.IO.Jpeg;
using Xunit;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>
/// Streams built by <see cref="TestJpegWriter"/>: (1) one set of quantized coefficients written in many container
/// layouts must decode to identical pixels; (2) sampling, colour-space and progression variants must decode to the
/// pixels PIL 9.4 (libjpeg-turbo 2.1.5) produces for the same bytes, recorded here as SHA-256 digests.
/// </summary>
public sealed class JpegVariantTests
{
    private static readonly (int, int)[] s_420 = [(2, 2), (1, 1), (1, 1)];

    // A progression like libjpeg's default script: spectral selection and successive approximation on every band.
    private static readonly TestScan[] s_fullProgression =
    [
        new([0, 1, 2], 0, 0, 0, 1),
        new([0], 1, 5, 0, 2),
        new([2], 1, 63, 0, 1),
        new([1], 1, 63, 0, 1),
        new([0], 6, 63, 0, 2),
        new([0], 1, 63, 2, 1),
        new([0, 1, 2], 0, 0, 1, 0),
        new([2], 1, 63, 1, 0),
        new([1], 1, 63, 1, 0),
        new([0], 1, 63, 1, 0),
    ];

    public static TheoryData<string> Layouts => new(s_layouts.Keys);

    private static readonly Dictionary<string, TestJpegLayout> s_layouts = new()
    {
        ["restart every MCU"] = new() { RestartInterval = 1 },
        ["restart every 7 MCUs, fill bytes"] = new() { RestartInterval = 7, FillBytes = true },
        ["one scan per component, restarts"] = new() { Scans = [new([0]), new([1]), new([2])], RestartInterval = 2 },
        ["two scans"] = new() { Scans = [new([0, 2]), new([1])] },
        ["16-bit DQT (SOF1)"] = new() { SixteenBitQuant = true },
        ["tables redefined per scan, COM/APPn"] = new() { Scans = [new([1]), new([0]), new([2])], RedefineTables = true, ExtraSegments = true },
        ["progressive, successive approximation"] = new() { Progressive = true, Scans = s_fullProgression },
        ["progressive, restarts, fill bytes, tables per scan"] = new() { Progressive = true, Scans = s_fullProgression, RestartInterval = 3, FillBytes = true, RedefineTables = true },
        ["progressive, spectral selection only"] = new() { Progressive = true, Scans = [new([0, 1, 2], 0, 0), new([0], 1, 63), new([1], 1, 9), new([1], 10, 63), new([2], 1, 63)] },
        ["progressive, separate DC scans, DC refinement"] = new() { Progressive = true, Scans = [new([0], 0, 0, 0, 2), new([1], 0, 0, 0, 2), new([2], 0, 0, 0, 2), new([0, 1, 2], 0, 0, 2, 1), new([0, 1, 2], 0, 0, 1, 0), new([0], 1, 63), new([1], 1, 63), new([2], 1, 63)] },
        ["progressive, deep refinement of a narrow band"] = new() { Progressive = true, Scans = [new([0, 1, 2], 0, 0), new([0], 1, 2, 0, 4), new([0], 1, 2, 4, 3), new([0], 1, 2, 3, 2), new([0], 1, 2, 2, 1), new([0], 1, 2, 1, 0), new([0], 3, 63), new([1], 1, 63), new([2], 1, 63)] },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EquivalentLayouts_DecodeIdentically(string layout)
    {
        foreach (var (width, height) in new[] { (61, 43), (16, 16), (9, 30) })
        {
            var image = TestJpegImage.Create(TestJpegImage.Picture(width, height, seed: 7), width, height, s_420);
            var reference = JpegDecoder.Decode(TestJpegWriter.Write(image, new TestJpegLayout()));
            var variant = JpegDecoder.Decode(TestJpegWriter.Write(image, s_layouts[layout]));
            Assert.Equal((reference.Width, reference.Height), (variant.Width, variant.Height));
            Assert.Equal(reference.Pixels, variant.Pixels);
        }
    }

    public static TheoryData<string> GoldenCases => new(s_golden.Keys);

    private static TestJpegImage Picture(int width, int height, (int, int)[] sampling, int quality = 85, bool rgb = false) =>
        TestJpegImage.Create(TestJpegImage.Picture(width, height, seed: width * 31 + height), width, height, sampling, quality, rgb);

    private static readonly Dictionary<string, (Func<byte[]> Make, string Sha256)> s_golden = new()
    {
        ["4:2:0 61x43"] = (() => TestJpegWriter.Write(Picture(61, 43, s_420), new()), "48cf71f2bb9a3d76ee02ebcc6aaed0ba9ef07ef3fadcbba45041adf412ff6147"),
        ["4:4:0 (h1v2 fancy) 61x43"] = (() => TestJpegWriter.Write(Picture(61, 43, [(1, 2), (1, 1), (1, 1)]), new()), "87fc3ec8eb0cff64deb8fc3c7172b540b869454b12328d689bc91398b01daeb5"),
        ["4:2:2 (h2v1 fancy) 37x21"] = (() => TestJpegWriter.Write(Picture(37, 21, [(2, 1), (1, 1), (1, 1)]), new()), "9bc483e471f6dd6a7e1f124bf2097a0a026adf4e5e673b351fd375faafc56a2f"),
        ["4:1:1 (replication) 61x43"] = (() => TestJpegWriter.Write(Picture(61, 43, [(4, 1), (1, 1), (1, 1)]), new()), "b0944eb3b5c96b3d3dfb5d7d63d448ba7297e827578d0063f8e9817387b3f2a3"),
        ["2x4 luma (replication) 45x70"] = (() => TestJpegWriter.Write(Picture(45, 70, [(2, 4), (1, 1), (1, 1)]), new()), "577e7b6a79da9c7ecb4893442261920a6ec76fafea09d2a1edb92e79f2adca1b"),
        ["4x4 luma, one scan per component"] = (() => TestJpegWriter.Write(Picture(70, 45, [(4, 4), (1, 1), (1, 1)]), new() { Scans = [new([0]), new([1]), new([2])] }), "522734b82f3b1502a5d77b17169cb64ece161066b32d411fba3f89efbed84c25"),
        ["3x1 luma (replication) 50x20"] = (() => TestJpegWriter.Write(Picture(50, 20, [(3, 1), (1, 1), (1, 1)]), new()), "ca2fdcd2094d33fb8508cf0f0a9a719353cf2c6be2753154827a8a4cebe21075"),
        ["mixed 2x2/1x2/2x1"] = (() => TestJpegWriter.Write(Picture(61, 43, [(2, 2), (1, 2), (2, 1)]), new()), "7fe379db9a6b59f91a3195a15e1e63b361bf6927ebd0dff093fe3ea6a155972b"),
        ["luma upsampled 1x1/2x2/1x1"] = (() => TestJpegWriter.Write(Picture(40, 33, [(1, 1), (2, 2), (1, 1)]), new()), "b7cf55c596b729c82437aefff148fc7e83d808227f757d2e546f33e90f030276"),
        ["4:2:0 3x3 (narrow chroma, replication)"] = (() => TestJpegWriter.Write(Picture(3, 3, s_420), new()), "b19af1bdbb085a218aaca2f13d9112f307a2f106d958b337cb4c71387ad50e8f"),
        ["4:2:0 1x1"] = (() => TestJpegWriter.Write(Picture(1, 1, s_420), new()), "017be35bb3c0f5a3fd14554e68c4c096c9c2593a7af8a28c5795ac363dac7117"),
        ["4:2:2 4x5 (2-sample chroma)"] = (() => TestJpegWriter.Write(Picture(4, 5, [(2, 1), (1, 1), (1, 1)]), new()), "3950cacd8d2f6f096af6b76730110678f25f6189a52ff2e3373ffc2109061b5b"),
        ["gray 37x23"] = (() => TestJpegWriter.Write(Picture(37, 23, [(1, 1)]), new() { Marker = TestColorMarker.None }), "92c9982d520c435b94d2cddd15b89743a744551d6f438f23d6c20cf6d5da8027"),
        ["gray with 2x2 factors"] = (() => TestJpegWriter.Write(Picture(37, 23, [(2, 2)]), new() { Marker = TestColorMarker.None }), "92c9982d520c435b94d2cddd15b89743a744551d6f438f23d6c20cf6d5da8027"),
        ["RGB, Adobe transform 0"] = (() => TestJpegWriter.Write(Picture(40, 24, [(1, 1), (1, 1), (1, 1)], rgb: true), new() { Marker = TestColorMarker.AdobeRgb }), "05d0581bbe48637f8872e52d7e5c045369a32265b702ba56f7f6b0e77861197b"),
        ["RGB, component ids 'R','G','B'"] = (() => TestJpegWriter.Write(Picture(40, 24, [(1, 1), (1, 1), (1, 1)], rgb: true), new() { Marker = TestColorMarker.None }), "05d0581bbe48637f8872e52d7e5c045369a32265b702ba56f7f6b0e77861197b"),
        ["RGB ids but Adobe transform 1 (YCbCr)"] = (() => TestJpegWriter.Write(Picture(40, 24, [(1, 1), (1, 1), (1, 1)], rgb: true), new() { Marker = TestColorMarker.AdobeYCbCr }), "ca52213f5e8cd1f087cd322db944c75ca5b475a4f60cb0468924edab24c5a2d9"),
        ["RGB ids but JFIF (YCbCr)"] = (() => TestJpegWriter.Write(Picture(40, 24, [(1, 1), (1, 1), (1, 1)], rgb: true), new() { Marker = TestColorMarker.Jfif }), "ca52213f5e8cd1f087cd322db944c75ca5b475a4f60cb0468924edab24c5a2d9"),
        ["RGB subsampled 2x2/1x1/1x1, Adobe 0"] = (() => TestJpegWriter.Write(Picture(40, 24, s_420, rgb: true), new() { Marker = TestColorMarker.AdobeRgb }), "a121d81b3df7e58044c48d5051de6b53bb19428584c42603c8f8182ec46f87ae"),
        ["quality 5, 16-bit DQT"] = (() => TestJpegWriter.Write(Picture(61, 43, s_420, quality: 5), new() { SixteenBitQuant = true }), "febc358363c57ce040c14be0de86343eb99fc049f063ad557e663a691d91b00b"),
        ["progressive, DC only (smoothing with DC estimation)"] = (() => TestJpegWriter.Write(Picture(61, 43, s_420), new() { Progressive = true, Scans = [new([0, 1, 2], 0, 0)] }), "939f640957099cbecf1b12c69180636cf8c4fcec4cd698ff578f4054a42eb298"),
        ["progressive, low band refined to Al 1 (smoothing)"] = (() => TestJpegWriter.Write(Picture(61, 43, s_420), new() { Progressive = true, Scans = [new([0, 1, 2], 0, 0), new([0], 1, 5, 0, 1), new([1], 1, 63), new([2], 1, 63), new([0], 6, 63)] }), "f0539576b48bf489633273159a0e5c556e091abfa405f071f320e9ba59e13787"),
        ["progressive gray, 2 blocks wide, DC only"] = (() => TestJpegWriter.Write(Picture(13, 40, [(1, 1)]), new() { Progressive = true, Marker = TestColorMarker.None, Scans = [new([0], 0, 0)] }), "7e291cd14cdf87fd5b916685d85874356c2577fd5e6631fc414a0ad9e47c9c16"),
    };

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Variants_MatchLibjpegTurbo(string name)
    {
        var (make, sha256) = s_golden[name];
        var data = make();
        if (Environment.GetEnvironmentVariable("TOKENVISION_JPEG_DUMP") is { Length: > 0 } dump)
            File.WriteAllBytes(Path.Combine(dump, string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_')) + ".jpg"), data);
        var image = JpegDecoder.Decode(data);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(image.Pixels)));
    }
}
