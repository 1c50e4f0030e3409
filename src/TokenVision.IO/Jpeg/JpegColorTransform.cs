namespace TokenVision.IO.Jpeg;

/// <summary>How decoded component samples become output pixels.</summary>
internal enum JpegColorTransform
{
    /// <summary>One component, copied as luminance.</summary>
    Gray,

    /// <summary>Three components converted from YCbCr with libjpeg's fixed-point arithmetic.</summary>
    YCbCr,

    /// <summary>Three components already holding R, G, B (Adobe transform 0 or component ids 'R','G','B').</summary>
    Rgb,
}
