namespace TokenVision.IO.Imaging;

/// <summary>A file could not be decoded as an image; the message names the file and the reason.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the error for <paramref name="source"/> (a path, or a description such as "stream").</summary>
    public ImageDecodeException(string source, string reason, Exception? inner = null)
        : base($"{source}: {reason}", inner)
    {
        Source = source;
        Reason = reason;
    }

    /// <summary>The file (or description of the input) that failed.</summary>
    public new string Source { get; }

    /// <summary>Why decoding failed, e.g. "truncated IDAT data" or "unsupported: arithmetic-coded JPEG".</summary>
    public string Reason { get; }
}
