namespace TokenVision.IO.Png;

/// <summary>The fields of an IHDR chunk and the row geometry they imply.</summary>
internal readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
{
    /// <summary>Gray, no alpha.</summary>
    public const int Gray = 0;
    /// <summary>Red, green, blue.</summary>
    public const int Rgb = 2;
    /// <summary>Palette indices.</summary>
    public const int Palette = 3;
    /// <summary>Gray, alpha.</summary>
    public const int GrayAlpha = 4;
    /// <summary>Red, green, blue, alpha.</summary>
    public const int Rgba = 6;

    /// <summary>Samples per pixel as stored in the file (a palette index counts as one).</summary>
    public int SamplesPerPixel => ColorType switch
    {
        Rgb => 3,
        GrayAlpha => 2,
        Rgba => 4,
        _ => 1,
    };

    /// <summary>Bits per stored pixel.</summary>
    public int BitsPerPixel => SamplesPerPixel * BitDepth;

    /// <summary>The filter unit: bytes per complete pixel, at least 1.</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    /// <summary>Bytes of a row of <paramref name="width"/> pixels, without the filter-type byte.</summary>
    public long RowBytes(int width) => ((long)width * BitsPerPixel + 7) / 8;

    /// <summary>True when the colour type and bit depth form a combination the PNG specification allows.</summary>
    public bool IsValidCombination => ColorType switch
    {
        Gray => BitDepth is 1 or 2 or 4 or 8 or 16,
        Palette => BitDepth is 1 or 2 or 4 or 8,
        Rgb or GrayAlpha or Rgba => BitDepth is 8 or 16,
        _ => false,
    };
}
