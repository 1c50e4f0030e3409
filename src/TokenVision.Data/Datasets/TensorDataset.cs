using TokenVision.Tensors;

namespace TokenVision.Data.Datasets;

/// <summary>An in-memory dataset of equally shaped float items and int64 labels (torch's <c>TensorDataset</c>), copied once at construction.</summary>
public sealed class TensorDataset : IDataset
{
    private readonly float[] _values;
    private readonly long[] _labels;
    private readonly int[] _itemShape;
    private readonly int _itemSize;

    /// <summary>Copies <paramref name="items"/> <c>[N, ...]</c> (converted to float32) and <paramref name="labels"/> <c>[N]</c>.</summary>
    public TensorDataset(Tensor items, Tensor labels)
        : this(items?.ToArray() ?? throw new ArgumentNullException(nameof(items)), items.Shape.ToArray(),
               labels?.ToInt64Array() ?? throw new ArgumentNullException(nameof(labels)), labels.Rank)
    {
    }

    /// <summary>Wraps <paramref name="values"/> of shape <paramref name="shape"/> <c>[N, ...]</c> and <paramref name="labels"/> (not copied).</summary>
    public TensorDataset(float[] values, int[] shape, long[] labels)
        : this(values, shape, labels, 1)
    {
    }

    private TensorDataset(float[] values, int[] shape, long[] labels, int labelRank)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(labels);
        if (shape.Length < 1 || shape.Any(d => d < 0))
            throw new ArgumentException($"items need a shape [N, ...], got [{string.Join(", ", shape)}]");
        long n = 1;
        foreach (var d in shape)
            n *= d;
        if (n != values.Length)
            throw new ArgumentException($"{values.Length} values do not fill shape [{string.Join(", ", shape)}]");
        if (labelRank != 1 || labels.Length != shape[0])
            throw new ArgumentException($"{shape[0]} items need labels [{shape[0]}], got {labels.Length} labels");
        _values = values;
        _labels = labels;
        _itemShape = shape[1..];
        _itemSize = shape[0] == 0 ? 0 : values.Length / shape[0];
        Count = shape[0];
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Shape of one item.</summary>
    public IReadOnlyList<int> ItemShape => _itemShape;

    /// <inheritdoc/>
    public Sample Get(int index, Generator? generator)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} items");
        return new Sample(_values.AsSpan(index * _itemSize, _itemSize).ToArray(), (int[])_itemShape.Clone(), _labels[index]);
    }

    /// <inheritdoc/>
    public string Describe(int index) => $"tensor dataset[{index}]";
}
