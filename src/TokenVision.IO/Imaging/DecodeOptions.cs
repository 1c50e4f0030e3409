namespace TokenVision.IO.Imaging;

/// <summary>Options that bound and shape image decoding.</summary>
public sealed record DecodeOptions
{
    /// <summary>The defaults: PIL's decompression-bomb limit, EXIF orientation reported but not applied.</summary>
    public static DecodeOptions Default { get; } = new();

    /// <summary>Largest accepted width x height; larger headers are rejected before any pixel memory is allocated. PIL's limit is 89,478,485.</summary>
    public long MaxPixels { get; init; } = 89_478_485;

    /// <summary>Rotate/flip JPEG pixels as the EXIF orientation says (PIL and timm do not).</summary>
    public bool ApplyExifOrientation { get; init; }

    /// <summary>Name used in error messages when the input has no path.</summary>
    public string SourceName { get; init; } = "<stream>";
}
