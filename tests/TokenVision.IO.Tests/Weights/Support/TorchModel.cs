using TokenVision.IO.Weights;

namespace TokenVision.IO.Tests.Weights.Support;

/// <summary>A storage as <c>torch.save</c> sees it: a key, a dtype and its raw little-endian bytes.</summary>
internal sealed record TestStorage(string Key, WeightDType DType, byte[] Data, string Location = "cpu")
{
    public long ElementCount => Data.Length / DType.ItemSize();
}

/// <summary>A tensor as a strided view of a <see cref="TestStorage"/>.</summary>
internal sealed record TestTensor(TestStorage Storage, long Offset, long[] Shape, long[] Strides, bool Parameter = false, bool RequiresGrad = false)
{
    public static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }
}

/// <summary>An ordered Python dict (or OrderedDict with optional <c>_metadata</c>) for test checkpoints.</summary>
internal sealed class TestDict(bool ordered = true) : List<KeyValuePair<object, object?>>
{
    public bool Ordered { get; } = ordered;

    /// <summary>Per-module metadata written as the OrderedDict's <c>_metadata</c> attribute, like <c>state_dict()</c> does.</summary>
    public Dictionary<string, long>? Metadata { get; init; }

    public void Add(object key, object? value) => Add(new KeyValuePair<object, object?>(key, value));
}
