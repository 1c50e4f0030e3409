namespace TokenVision.Data;

/// <summary>An item could not be loaded or transformed; the message starts with the item's source (file name).</summary>
public sealed class DataLoadException : Exception
{
    /// <summary>Creates the error for the item from <paramref name="source"/>.</summary>
    public DataLoadException(string source, int index, string reason, Exception? inner = null)
        : base(reason.StartsWith(source, StringComparison.Ordinal) ? reason : $"{source}: {reason}", inner)
    {
        Source = source;
        Index = index;
    }

    /// <summary>The item's file (or description).</summary>
    public new string Source { get; }

    /// <summary>The item's index in its dataset.</summary>
    public int Index { get; }

    /// <summary>Wraps <paramref name="error"/> from loading item <paramref name="index"/> (returned unchanged when it already is one).</summary>
    internal static DataLoadException Wrap(string source, int index, Exception error) =>
        error as DataLoadException ?? new DataLoadException(source, index, error.Message, error);
}
