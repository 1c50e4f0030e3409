using TokenVision.Tensors.Autograd;

namespace TokenVision.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The same elements with a new shape, without copying. One dimension may be -1 (inferred). Fails when the
    /// strides cannot express the new shape; <see cref="Reshape"/> copies in that case.
    /// </summary>
    public Tensor View(params ReadOnlySpan<int> shape)
    {
        var dims = InferShape(shape);
        var strides = ViewStrides(dims) ?? throw new InvalidOperationException(
            $"view of shape {FormatShape(dims)} is not possible on a tensor of shape {Shape} with strides {FormatShape(_strides)}; use Reshape or Contiguous first");
        return Record(ViewOf(dims, strides, _offset), OpKind.View, null, [this]);
    }

    /// <summary>The elements with a new shape: a view when the layout allows, else a contiguous copy. One dimension may be -1.</summary>
    public Tensor Reshape(params ReadOnlySpan<int> shape)
    {
        var dims = InferShape(shape);
        if (ViewStrides(dims) is { } strides)
            return Record(ViewOf(dims, strides, _offset), OpKind.View, null, [this]);
        using var c = Contiguous();
        return c.View(dims);
    }

    /// <summary>Flattens dimensions <paramref name="startDim"/> to <paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0)
            return Reshape(1);
        var s = NormalizeDim(startDim, Rank);
        var e = NormalizeDim(endDim, Rank);
        if (e < s)
            throw new ArgumentException($"Flatten: endDim {endDim} comes before startDim {startDim}");
        var dims = new List<int>();
        for (var i = 0; i < s; i++)
            dims.Add(_shape[i]);
        var n = 1;
        for (var i = s; i <= e; i++)
            n *= _shape[i];
        dims.Add(n);
        for (var i = e + 1; i < Rank; i++)
            dims.Add(_shape[i]);
        return Reshape([.. dims]);
    }

    /// <summary>Splits dimension <paramref name="dim"/> into <paramref name="sizes"/> (one may be -1).</summary>
    public Tensor Unflatten(int dim, params ReadOnlySpan<int> sizes)
    {
        var d = NormalizeDim(dim, Rank);
        var dims = new List<int>();
        for (var i = 0; i < d; i++)
            dims.Add(_shape[i]);
        foreach (var s in sizes)
            dims.Add(s);
        for (var i = d + 1; i < Rank; i++)
            dims.Add(_shape[i]);
        // Reshape infers a -1 and checks that the sizes multiply to the original dimension.
        return Reshape([.. dims]);
    }

    /// <summary>Reorders the dimensions: result dimension i is input dimension <paramref name="dims"/>[i].</summary>
    public Tensor Permute(params ReadOnlySpan<int> dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: got {dims.Length} dimensions for a tensor of rank {Rank} (shape {Shape})");
        var shape = new int[Rank];
        var strides = new int[Rank];
        var seen = new bool[Rank];
        var perm = new int[Rank];
        for (var i = 0; i < Rank; i++)
        {
            var d = NormalizeDim(dims[i], Rank);
            if (seen[d])
                throw new ArgumentException($"Permute: dimension {d} repeated in [{string.Join(", ", dims.ToArray())}]");
            seen[d] = true;
            perm[i] = d;
            shape[i] = _shape[d];
            strides[i] = _strides[d];
        }
        return Record(ViewOf(shape, strides, _offset), OpKind.Permute, perm, [this]);
    }

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        var perm = new int[Rank];
        for (var i = 0; i < Rank; i++)
            perm[i] = i;
        var a = NormalizeDim(dim0, Rank);
        var b = NormalizeDim(dim1, Rank);
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>The transpose of a matrix (swaps the last two dimensions).</summary>
    public Tensor MT => Transpose(-2, -1);

    /// <summary>Elements <paramref name="start"/> to <paramref name="start"/>+<paramref name="length"/> of dimension <paramref name="dim"/>, as a view.</summary>
    public Tensor Narrow(int dim, int start, int length) => Slice(dim, start, start + length, 1);

    /// <summary>
    /// Python-style slice <c>[start:end:step]</c> of dimension <paramref name="dim"/>, as a view. Negative start/end
    /// count from the end and out-of-range bounds are clamped, as in PyTorch.
    /// </summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        var d = NormalizeDim(dim, Rank);
        if (step <= 0)
            throw new ArgumentException($"Slice: step must be positive, got {step}");
        var size = _shape[d];
        if (start < 0)
            start += size;
        if (end < 0)
            end += size;
        start = Math.Clamp(start, 0, size);
        end = Math.Clamp(end, start, size);
        var length = (end - start + step - 1) / step;
        var shape = (int[])_shape.Clone();
        var strides = (int[])_strides.Clone();
        shape[d] = length;
        strides[d] = _strides[d] * step;
        var offset = _offset + (length > 0 ? start * _strides[d] : 0);
        return Record(ViewOf(shape, strides, offset), OpKind.Slice, new SliceCtx(d, start, step), [this]);
    }

    internal sealed record SliceCtx(int Dim, int Start, int Step);

    /// <summary>Index <paramref name="index"/> of dimension <paramref name="dim"/>, with that dimension removed.</summary>
    public Tensor Select(int dim, int index)
    {
        var d = NormalizeDim(dim, Rank);
        var size = _shape[d];
        var i = index < 0 ? index + size : index;
        if ((uint)i >= (uint)size)
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} out of range for dimension {dim} of size {size} (shape {Shape})");
        using var narrowed = Slice(d, i, i + 1);
        return narrowed.Squeeze(d);
    }

    /// <summary>Broadcasts to <paramref name="shape"/> without copying (-1 keeps a dimension).</summary>
    public Tensor Expand(params ReadOnlySpan<int> shape)
    {
        if (shape.Length < Rank)
            throw new ArgumentException($"Expand: target {FormatShape(shape)} has fewer dimensions than {Shape}");
        var dims = new int[shape.Length];
        var strides = new int[shape.Length];
        var lead = shape.Length - Rank;
        for (var i = 0; i < shape.Length; i++)
        {
            var own = i >= lead ? _shape[i - lead] : 1;
            var target = shape[i] == -1 ? own : shape[i];
            if (i < lead && shape[i] == -1)
                throw new ArgumentException($"Expand: -1 is not allowed for the new leading dimension {i}");
            if (own != target && own != 1)
                throw new ArgumentException($"Expand: cannot expand {Shape} to {FormatShape(shape)} (dimension {i}: {own} vs {target})");
            dims[i] = target;
            strides[i] = i < lead || (own == 1 && target != 1) ? 0 : _strides[i - lead];
        }
        return Record(ViewOf(dims, strides, _offset), OpKind.Expand, null, [this]);
    }

    /// <summary>Broadcasts to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.ShapeArray);

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(int dim)
    {
        var d = NormalizeDim(dim, Rank + 1);
        var shape = new int[Rank + 1];
        var strides = new int[Rank + 1];
        for (int i = 0, j = 0; i <= Rank; i++)
        {
            if (i == d)
            {
                shape[i] = 1;
                strides[i] = j < Rank ? _strides[j] * _shape[j] : 1;
                continue;
            }
            shape[i] = _shape[j];
            strides[i] = _strides[j];
            j++;
        }
        return Record(ViewOf(shape, strides, _offset), OpKind.View, null, [this]);
    }

    /// <summary>Removes dimension <paramref name="dim"/> if it has size 1 (otherwise returns a view of the same shape).</summary>
    public Tensor Squeeze(int dim)
    {
        var d = NormalizeDim(dim, Rank);
        if (_shape[d] != 1)
            return Identity();
        var shape = new int[Rank - 1];
        var strides = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++)
        {
            if (i == d)
                continue;
            shape[j] = _shape[i];
            strides[j++] = _strides[i];
        }
        return Record(ViewOf(shape, strides, _offset), OpKind.View, null, [this]);
    }

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze()
    {
        var shape = new List<int>();
        var strides = new List<int>();
        for (var i = 0; i < Rank; i++)
        {
            if (_shape[i] == 1)
                continue;
            shape.Add(_shape[i]);
            strides.Add(_strides[i]);
        }
        return Record(ViewOf([.. shape], [.. strides], _offset), OpKind.View, null, [this]);
    }

    /// <summary>Transpose that releases this handle (kernel-internal chaining; no autograd).</summary>
    internal Tensor TransposeOwned(int dim0, int dim1)
    {
        using (this)
        {
            var a = NormalizeDim(dim0, Rank);
            var b = NormalizeDim(dim1, Rank);
            var shape = (int[])_shape.Clone();
            var strides = (int[])_strides.Clone();
            (shape[a], shape[b]) = (shape[b], shape[a]);
            (strides[a], strides[b]) = (strides[b], strides[a]);
            return ViewOf(shape, strides, _offset);
        }
    }

    /// <summary>A contiguous copy (or handle) that releases this handle (no autograd).</summary>
    internal Tensor ContiguousOwned()
    {
        using (this)
            return IsContiguous ? ViewOf(_shape, _strides, _offset) : CopyToContiguous();
    }

    /// <summary>A new handle on the same elements that stays in the autograd graph (for identity layers: the caller may dispose it freely).</summary>
    public Tensor Identity() => Record(ViewOf(_shape, _strides, _offset), OpKind.View, null, [this]);

    /// <summary>A contiguous tensor with the same elements: a new handle on the same storage when already contiguous, else a copy.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous)
            return Identity();
        return Record(CopyToContiguous(), OpKind.Contiguous, null, [this]);
    }

    /// <summary>A contiguous copy that owns its storage.</summary>
    public Tensor Clone() => Record(CopyToContiguous(), OpKind.Contiguous, null, [this]);

    /// <summary>Converts to <paramref name="dtype"/> (float to int truncates toward zero; non-zero is true). Same dtype returns a new handle.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType)
            return Identity();
        return ConvertDType(dtype);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private int[] InferShape(ReadOnlySpan<int> shape)
    {
        var dims = shape.ToArray();
        var infer = -1;
        long known = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (infer >= 0)
                    throw new ArgumentException($"only one dimension can be -1 in {FormatShape(shape)}");
                infer = i;
            }
            else if (dims[i] < 0)
            {
                throw new ArgumentException($"invalid dimension {dims[i]} in {FormatShape(shape)}");
            }
            else
            {
                known *= dims[i];
            }
        }
        if (infer >= 0)
        {
            if (known == 0 || _numel % known != 0)
                throw new ArgumentException($"shape {FormatShape(shape)} is invalid for a tensor of {_numel} elements (shape {Shape})");
            dims[infer] = (int)(_numel / known);
            known *= dims[infer];
        }
        if (known != _numel)
            throw new ArgumentException($"shape {FormatShape(shape)} is invalid for a tensor of {_numel} elements (shape {Shape})");
        return dims;
    }

    /// <summary>Strides that view the current elements as <paramref name="newShape"/>, or null when a copy is needed.</summary>
    /// <remarks>
    /// Walks the old dimensions from the last, grouping runs that are contiguous among themselves; each run must be
    /// covered exactly by a run of new dimensions, which then get strides within that run.
    /// </remarks>
    private int[]? ViewStrides(int[] newShape)
    {
        if (IsContiguous || _numel == 0)
            return ContiguousStrides(newShape);
        var newStrides = new int[newShape.Length];
        var viewDim = newShape.Length - 1;
        var chunkBaseStride = Rank > 0 ? _strides[^1] : 1;
        long tensorNumel = 1;
        long viewNumel = 1;
        for (var d = Rank - 1; d >= 0; d--)
        {
            tensorNumel *= _shape[d];
            var chunkEnds = d == 0 || (_shape[d - 1] != 1 && _strides[d - 1] != tensorNumel * chunkBaseStride);
            if (!chunkEnds)
                continue;
            while (viewDim >= 0 && (viewNumel < tensorNumel || newShape[viewDim] == 1))
            {
                newStrides[viewDim] = (int)(viewNumel * chunkBaseStride);
                viewNumel *= newShape[viewDim];
                viewDim--;
            }
            if (viewNumel != tensorNumel)
                return null;
            if (d > 0)
            {
                chunkBaseStride = _strides[d - 1];
                tensorNumel = 1;
                viewNumel = 1;
            }
        }
        return viewDim == -1 ? newStrides : null;
    }

    internal unsafe Tensor CopyToContiguous()
    {
        ThrowIfDisposed();
        var result = Empty(_shape, DType);
        var dstStrides = result._strides;
        switch (DType.ElementSize())
        {
            case 4:
                Kernels.Elementwise.StridedCopy.Run((int*)result.RawPtr, dstStrides, (int*)RawPtr, _strides, _shape);
                break;
            case 8:
                Kernels.Elementwise.StridedCopy.Run((long*)result.RawPtr, dstStrides, (long*)RawPtr, _strides, _shape);
                break;
            default:
                Kernels.Elementwise.StridedCopy.Run(result.RawPtr, dstStrides, RawPtr, _strides, _shape);
                break;
        }
        return result;
    }

    private unsafe Tensor ConvertDType(DType dtype)
    {
        using var src = CopyToContiguous();
        var result = Empty(_shape, dtype);
        var n = _numel;
        switch (DType, dtype)
        {
            case (DType.Float32, DType.Int64):
                for (var i = 0; i < n; i++)
                    result.LongPtr[i] = (long)src.FloatPtr[i];
                break;
            case (DType.Float32, DType.Bool):
                for (var i = 0; i < n; i++)
                    result.BoolPtr[i] = src.FloatPtr[i] != 0 ? (byte)1 : (byte)0;
                break;
            case (DType.Int64, DType.Float32):
                for (var i = 0; i < n; i++)
                    result.FloatPtr[i] = src.LongPtr[i];
                break;
            case (DType.Int64, DType.Bool):
                for (var i = 0; i < n; i++)
                    result.BoolPtr[i] = src.LongPtr[i] != 0 ? (byte)1 : (byte)0;
                break;
            case (DType.Bool, DType.Float32):
                for (var i = 0; i < n; i++)
                    result.FloatPtr[i] = src.BoolPtr[i];
                break;
            case (DType.Bool, DType.Int64):
                for (var i = 0; i < n; i++)
                    result.LongPtr[i] = src.BoolPtr[i];
                break;
            default:
                throw new NotSupportedException($"conversion {DType.Name()} -> {dtype.Name()}");
        }
        return result;
    }
}
