namespace TokenVision.IO.Weights;

/// <summary>One tensor in a weight file: its state-dict key, element type, shape and the size of its contiguous bytes.</summary>
/// <param name="Name">State-dict key, e.g. <c>blocks.0.attn.qkv.weight</c>.</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Sizes, outermost first; empty for a scalar. Do not mutate.</param>
/// <param name="ByteLength">Bytes of the tensor when laid out contiguously (row-major): element count times item size.</param>
public sealed record TensorEntry(string Name, WeightDType DType, long[] Shape, long ByteLength)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => ByteLength / DType.ItemSize();

    /// <summary>Shape formatted like PyTorch, e.g. <c>[192, 3, 16, 16]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape as <c>[a, b, c]</c> for error messages.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Returns <c>name: DTYPE [shape]</c>.</summary>
    public override string ToString() => $"{Name}: {DType.SafetensorsName()} {ShapeText}";
}
