namespace TokenVision.IO.Npy;

/// <summary>A <c>.npy</c> input is malformed or uses a feature this reader refuses; the message names the file and the reason.</summary>
public sealed class NpyFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="source"/> (a path, or a description such as "&lt;stream&gt;").</summary>
    public NpyFormatException(string source, string reason, Exception? inner = null)
        : base($"{source}: {reason}", inner)
    {
        Source = source;
        Reason = reason;
    }

    /// <summary>The file (or description of the input) that failed.</summary>
    public new string Source { get; }

    /// <summary>Why reading failed, e.g. "fortran_order arrays are not supported".</summary>
    public string Reason { get; }
}
