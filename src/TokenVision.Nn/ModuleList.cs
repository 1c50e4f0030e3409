using System.Collections;

namespace TokenVision.Nn;

/// <summary>An indexed list of modules with keys "0", "1", ... as torch.nn.ModuleList (no forward of its own).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>Creates the list from <paramref name="items"/>.</summary>
    public ModuleList(params IEnumerable<T> items)
    {
        foreach (var item in items)
            Add(item);
    }

    /// <summary>Appends a module under the next index.</summary>
    public void Add(T item) => _items.Add(Register(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), item));

    /// <summary>Item <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
