namespace TokenVision.IO.Tests.Jpeg;

/// <summary>The JPEG files among the shared image fixtures.</summary>
internal static class JpegFixtures
{
    public static readonly string[] Decode =
    [
        "images/decode/jpeg_420_q75.jpg",
        "images/decode/jpeg_444_q95.jpg",
        "images/decode/jpeg_422_q85.jpg",
        "images/decode/jpeg_gray.jpg",
        "images/decode/jpeg_progressive.jpg",
        "images/decode/jpeg_optimized_444.jpg",
        "images/decode/jpeg_odd_37x23.jpg",
        "images/decode/jpeg_restart.jpg",
        "images/decode/jpeg_progressive_restart.jpg",
        "images/decode/jpeg_exif_orientation6.jpg",
    ];

    public static readonly string[] Photos =
    [
        "images/photos/china.jpg",
        "images/photos/flower.jpg",
        "images/photos/grace_hopper.jpg",
    ];

    public static IEnumerable<string> All => Decode.Concat(Photos);
}
