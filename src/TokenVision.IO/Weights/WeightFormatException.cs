namespace TokenVision.IO.Weights;

/// <summary>A weight or config file is malformed, truncated, inconsistent or refused; the message names the file and, where there is one, the key.</summary>
public class WeightFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="file"/>, optionally about <paramref name="key"/>.</summary>
    /// <param name="file">The file (or folder) that failed.</param>
    /// <param name="key">The tensor key, header field or config field concerned, or null.</param>
    /// <param name="reason">What is wrong, e.g. "data_offsets [0, 64] span 64 bytes but F32 [4, 8] needs 128".</param>
    /// <param name="inner">The underlying error, if any.</param>
    public WeightFormatException(string file, string? key, string reason, Exception? inner = null)
        : base(key is null ? $"{file}: {reason}" : $"{file}: '{key}': {reason}", inner)
    {
        File = file;
        Key = key;
        Reason = reason;
    }

    /// <summary>The file (or folder) that failed.</summary>
    public string File { get; }

    /// <summary>The tensor key, header field or config field concerned, or null when the problem is file-wide.</summary>
    public string? Key { get; }

    /// <summary>What is wrong, without the file and key prefix.</summary>
    public string Reason { get; }
}
