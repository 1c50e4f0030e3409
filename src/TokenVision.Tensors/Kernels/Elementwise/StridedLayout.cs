namespace TokenVision.Tensors.Kernels.Elementwise;

/// <summary>
/// The iteration space of an elementwise operation over up to three operands that share one (broadcast) shape,
/// each with its own element strides (0 where it broadcasts). Adjacent dimensions that are contiguous for every
/// operand are merged, so most operations reduce to one flat loop or rows of a broadcast pattern.
/// </summary>
internal sealed class StridedLayout
{
    /// <summary>Sizes after merging; the last one is the inner loop.</summary>
    public readonly int[] Shape;

    /// <summary>Strides per operand (index 0 is usually the output), same length as <see cref="Shape"/>.</summary>
    public readonly int[][] Strides;

    /// <summary>Product of all but the last dimension.</summary>
    public readonly int Rows;

    /// <summary>Length of the inner loop.</summary>
    public readonly int Inner;

    public StridedLayout(ReadOnlySpan<int> shape, params int[][] strides)
    {
        // Drop size-1 dimensions, then merge dimension i into i+1 when every operand allows it.
        var dims = new List<int>();
        var st = new List<int>[strides.Length];
        for (var k = 0; k < strides.Length; k++)
            st[k] = [];
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1)
                continue;
            dims.Add(shape[i]);
            for (var k = 0; k < strides.Length; k++)
                st[k].Add(strides[k][i]);
        }
        for (var i = dims.Count - 2; i >= 0; i--)
        {
            var mergeable = true;
            for (var k = 0; k < strides.Length && mergeable; k++)
                mergeable = st[k][i] == st[k][i + 1] * dims[i + 1];
            if (!mergeable)
                continue;
            dims[i] *= dims[i + 1];
            dims.RemoveAt(i + 1);
            for (var k = 0; k < strides.Length; k++)
            {
                st[k][i] = st[k][i + 1];
                st[k].RemoveAt(i + 1);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            for (var k = 0; k < strides.Length; k++)
                st[k].Add(1);
        }
        Shape = [.. dims];
        Strides = new int[strides.Length][];
        for (var k = 0; k < strides.Length; k++)
            Strides[k] = [.. st[k]];
        Inner = Shape[^1];
        var rows = 1;
        for (var i = 0; i < Shape.Length - 1; i++)
            rows *= Shape[i];
        Rows = rows;
    }

    /// <summary>Element offset of row <paramref name="row"/> for operand <paramref name="operand"/>.</summary>
    public int RowOffset(int operand, int row)
    {
        var offset = 0;
        var strides = Strides[operand];
        for (var i = Shape.Length - 2; i >= 0 && row > 0; i--)
        {
            var idx = row % Shape[i];
            row /= Shape[i];
            offset += idx * strides[i];
        }
        return offset;
    }

    /// <summary>Inner stride of operand <paramref name="operand"/>.</summary>
    public int InnerStride(int operand) => Strides[operand][^1];

    /// <summary>Advances a row odometer (per-dimension indices over the outer dims) and the operand offsets.</summary>
    public void NextRow(Span<int> index, Span<int> offsets)
    {
        for (var i = Shape.Length - 2; i >= 0; i--)
        {
            index[i]++;
            for (var k = 0; k < offsets.Length; k++)
                offsets[k] += Strides[k][i];
            if (index[i] < Shape[i])
                return;
            for (var k = 0; k < offsets.Length; k++)
                offsets[k] -= Strides[k][i] * Shape[i];
            index[i] = 0;
        }
    }

    /// <summary>Initialises the odometer at <paramref name="row"/>.</summary>
    public void StartRow(int row, Span<int> index, Span<int> offsets)
    {
        for (var i = Shape.Length - 2; i >= 0; i--)
        {
            index[i] = row % Shape[i];
            row /= Shape[i];
        }
        for (var k = 0; k < offsets.Length; k++)
        {
            var o = 0;
            for (var i = 0; i < Shape.Length - 1; i++)
                o += index[i] * Strides[k][i];
            offsets[k] = o;
        }
    }
}
