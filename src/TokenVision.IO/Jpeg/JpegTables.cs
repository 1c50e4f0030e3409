namespace TokenVision.IO.Jpeg;

/// <summary>Constant tables of the JPEG baseline process (ITU T.81).</summary>
internal static class JpegTables
{
    /// <summary>Block size in coefficients.</summary>
    public const int BlockSize = 64;

    /// <summary>
    /// Zig-zag index to natural (row-major) index, followed by 16 entries of 63 so that a corrupt run length that
    /// overshoots the end of the block lands on the last coefficient instead of outside it (as libjpeg does).
    /// </summary>
    public static ReadOnlySpan<byte> NaturalOrder =>
    [
        0, 1, 8, 16, 9, 2, 3, 10,
        17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34,
        27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36,
        29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46,
        53, 60, 61, 54, 47, 55, 62, 63,
        63, 63, 63, 63, 63, 63, 63, 63,
        63, 63, 63, 63, 63, 63, 63, 63,
    ];
}
