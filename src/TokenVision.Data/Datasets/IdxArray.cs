namespace TokenVision.Data.Datasets;

/// <summary>An unsigned-byte IDX array (the MNIST file format): its shape and its C-order data.</summary>
public sealed class IdxArray
{
    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public IdxArray(int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"negative dimension in IDX shape [{string.Join(", ", shape)}]");
            n *= d;
        }
        if (n != data.Length)
            throw new ArgumentException($"{data.Length} bytes do not fill IDX shape [{string.Join(", ", shape)}]");
        Shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The elements, C order (not a copy).</summary>
    public byte[] Data { get; }
}
