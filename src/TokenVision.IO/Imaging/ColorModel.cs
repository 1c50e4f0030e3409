namespace TokenVision.IO.Imaging;

/// <summary>Channel layout of decoded pixels, in file order (interleaved, HWC).</summary>
public enum ColorModel
{
    /// <summary>One channel: luminance.</summary>
    Gray = 1,
    /// <summary>Two channels: luminance, alpha.</summary>
    GrayAlpha = 2,
    /// <summary>Three channels: red, green, blue.</summary>
    Rgb = 3,
    /// <summary>Four channels: red, green, blue, straight (not premultiplied) alpha.</summary>
    Rgba = 4,
}
