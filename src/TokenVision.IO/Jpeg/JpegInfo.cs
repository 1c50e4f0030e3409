using TokenVision.IO.Imaging;

namespace TokenVision.IO.Jpeg;

/// <summary>What a JPEG header says about the image, read without decoding pixels.</summary>
/// <param name="Width">Width in pixels as stored (before any EXIF orientation).</param>
/// <param name="Height">Height in pixels as stored.</param>
/// <param name="Components">Number of colour components in the frame (1 or 3).</param>
/// <param name="Progressive">True for a progressive (SOF2) frame.</param>
/// <param name="ExifOrientation">EXIF orientation tag (1 to 8; 1 when absent).</param>
/// <param name="Model">Channel layout that <see cref="JpegDecoder.Decode(ReadOnlySpan{byte}, DecodeOptions?)"/> produces.</param>
public sealed record JpegInfo(int Width, int Height, int Components, bool Progressive, int ExifOrientation, ColorModel Model);
