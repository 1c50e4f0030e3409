using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// A float image in planar layout, <c>[Channels, Height, Width]</c> row-major: what <see cref="ToTensorNormalize"/>
/// produces and what tensor-side transforms such as <see cref="RandomErasing"/> work on.
/// </summary>
public sealed class FloatImage
{
    /// <summary>Wraps <paramref name="data"/> (not copied), <c>channels * height * width</c> values in CHW order.</summary>
    public FloatImage(int channels, int height, int width, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"float image size {channels}x{height}x{width} must be positive");
        if ((long)channels * height * width != data.Length)
            throw new ArgumentException($"{data.Length} values do not fill a {channels}x{height}x{width} float image");
        Channels = channels;
        Height = height;
        Width = width;
        Data = data;
    }

    /// <summary>A zero-filled image.</summary>
    public FloatImage(int channels, int height, int width)
        : this(channels, height, width, new float[checked(channels * height * width)])
    {
    }

    /// <summary>Number of planes.</summary>
    public int Channels { get; }

    /// <summary>Rows per plane.</summary>
    public int Height { get; }

    /// <summary>Columns per row.</summary>
    public int Width { get; }

    /// <summary>The values, CHW order (not a copy).</summary>
    public float[] Data { get; }

    /// <summary>The shape <c>[C, H, W]</c>.</summary>
    public int[] Shape => [Channels, Height, Width];

    /// <summary>A float32 tensor <c>[C, H, W]</c>, or <c>[1, C, H, W]</c> when <paramref name="batched"/>.</summary>
    public Tensor ToTensor(bool batched = false) =>
        batched ? Tensor.FromArray(Data, 1, Channels, Height, Width) : Tensor.FromArray(Data, Channels, Height, Width);

    /// <summary>Reads a float32 tensor <c>[C, H, W]</c> (or <c>[1, C, H, W]</c>) into a new image.</summary>
    public static FloatImage FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var s = tensor.Shape.ToArray();
        if (s.Length == 4 && s[0] == 1)
            s = s[1..];
        if (s.Length != 3)
            throw new ArgumentException($"expected a [C, H, W] tensor, got {tensor.Shape}");
        return new FloatImage(s[0], s[1], s[2], tensor.ToArray());
    }
}
