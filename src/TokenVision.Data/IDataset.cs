using TokenVision.Tensors;

namespace TokenVision.Data;

/// <summary>
/// A map-style dataset: <see cref="Count"/> items addressed by index, each loaded and transformed on demand. Implementations
/// must be safe to call from several threads at once (the <see cref="Loading.DataLoader"/>'s workers).
/// </summary>
public interface IDataset
{
    /// <summary>Number of items.</summary>
    int Count { get; }

    /// <summary>Loads and transforms item <paramref name="index"/>; random transforms draw from <paramref name="generator"/>.</summary>
    Sample Get(int index, Generator? generator);

    /// <summary>Names item <paramref name="index"/> for error messages (its file, or file and record number).</summary>
    string Describe(int index);
}
