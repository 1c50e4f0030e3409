using System.Diagnostics.CodeAnalysis;

namespace TokenVision.IO.Weights;

/// <summary>A weight file's tensor entries in file order, looked up by name (names are unique, compared ordinally).</summary>
internal sealed class TensorEntryIndex
{
    private readonly TensorEntry[] _entries;
    private readonly Dictionary<string, int> _positions;

    /// <summary>Indexes <paramref name="entries"/> (the caller has checked that the names are unique).</summary>
    public TensorEntryIndex(TensorEntry[] entries)
    {
        _entries = entries;
        Names = Array.AsReadOnly(entries.Select(static e => e.Name).ToArray());
        _positions = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        for (var i = 0; i < entries.Length; i++)
            _positions.Add(entries[i].Name, i);
    }

    /// <summary>The names in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The entries in file order.</summary>
    public IReadOnlyList<TensorEntry> Entries => _entries;

    /// <summary>The entry at <paramref name="position"/> in file order.</summary>
    public TensorEntry this[int position] => _entries[position];

    /// <summary>Whether a tensor is named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _positions.ContainsKey(name);

    /// <summary>The entry named <paramref name="name"/>, if any.</summary>
    public bool TryGetEntry(string name, [MaybeNullWhen(false)] out TensorEntry entry)
    {
        if (_positions.TryGetValue(name, out var i))
        {
            entry = _entries[i];
            return true;
        }
        entry = null;
        return false;
    }

    /// <summary>The position of <paramref name="name"/>; a missing name is an error naming <paramref name="filePath"/>.</summary>
    public int PositionOf(string filePath, string name) =>
        _positions.TryGetValue(name, out var i) ? i : throw TensorReads.Missing(filePath, name);
}
