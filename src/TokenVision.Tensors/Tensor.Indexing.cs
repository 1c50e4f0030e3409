using TokenVision.Tensors.Autograd;

namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    /// <summary>Copy of this tensor with <paramref name="value"/> where <paramref name="mask"/> (bool, broadcasting) is true.</summary>
    public Tensor MaskedFill(Tensor mask, float value)
    {
        RequireFloat("MaskedFill");
        RequireBool(mask, "MaskedFill");
        var shape = BroadcastShapes(_shape, mask._shape);
        if (!shape.AsSpan().SequenceEqual(_shape))
            throw new ArgumentException($"MaskedFill: mask of shape {mask.Shape} does not broadcast to {Shape}");
        var result = CopyToContiguous();
        using var m = mask.ViewOf(_shape, mask.BroadcastStrides(_shape), mask._offset);
        using var mc = m.CopyToContiguous();
        var d = result.FloatPtr;
        var mp = mc.BoolPtr;
        for (var i = 0; i < _numel; i++)
            if (mp[i] != 0)
                d[i] = value;
        return Record(result, OpKind.MaskedFill, null, [this], mc);
    }

    /// <summary>Elementwise choice: <paramref name="a"/> where <paramref name="condition"/> is true, else <paramref name="b"/> (all broadcasting).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        RequireBool(condition, "Where");
        a.RequireFloat("Where");
        b.RequireFloat("Where");
        var shape = BroadcastShapes(BroadcastShapes(condition._shape, a._shape), b._shape);
        using var c = condition.ViewOf(shape, condition.BroadcastStrides(shape), condition._offset);
        using var cc = c.CopyToContiguous();
        using var av = a.ViewOf(shape, a.BroadcastStrides(shape), a._offset);
        using var ac = av.CopyToContiguous();
        using var bv = b.ViewOf(shape, b.BroadcastStrides(shape), b._offset);
        using var bc = bv.CopyToContiguous();
        var result = Empty(shape);
        var cp = cc.BoolPtr;
        var ap = ac.FloatPtr;
        var bp = bc.FloatPtr;
        var d = result.FloatPtr;
        for (var i = 0; i < result._numel; i++)
            d[i] = cp[i] != 0 ? ap[i] : bp[i];
        return Record(result, OpKind.Where, null, [a, b], cc);
    }

    /// <summary>Elementwise choice with a scalar for the false branch.</summary>
    public static Tensor Where(Tensor condition, Tensor a, float b)
    {
        using var bt = Full([], b);
        return Where(condition, a, bt);
    }

    /// <summary>Rows (or slices) of dimension <paramref name="dim"/> picked by a 1-D int64 <paramref name="index"/>.</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        var d = NormalizeDim(dim, Rank);
        RequireIndex(index, "IndexSelect");
        if (index.Rank > 1)
            throw new ArgumentException($"IndexSelect: index must be 0-d or 1-D, got shape {index.Shape}");
        var idx = index.ToInt64Array();
        var size = _shape[d];
        foreach (var i in idx)
            if (i < -size || i >= size)
                throw new IndexOutOfRangeException($"IndexSelect: index {i} out of range for dimension {dim} of size {size} (shape {Shape})");
        var shape = (int[])_shape.Clone();
        shape[d] = idx.Length;
        var result = Empty(shape, DType);
        var outer = 1;
        for (var i = 0; i < d; i++)
            outer *= _shape[i];
        var inner = 1;
        for (var i = d + 1; i < Rank; i++)
            inner *= _shape[i];
        using var src = CopyToContiguous();
        var es = DType.ElementSize();
        var sp = src.RawPtr;
        var dp = result.RawPtr;
        for (var o = 0; o < outer; o++)
        {
            for (var j = 0; j < idx.Length; j++)
            {
                var k = idx[j] < 0 ? idx[j] + size : idx[j];
                Buffer.MemoryCopy(sp + ((long)o * size + k) * inner * es, dp + ((long)o * idx.Length + j) * inner * es, (long)inner * es, (long)inner * es);
            }
        }
        if (!WillRecord(this))
            return result;
        using var idxT = FromArray(idx);
        return Record(result, OpKind.IndexSelect, d, [this], idxT);
    }

    /// <summary>
    /// out[..., j, ...] = this[..., index[..., j, ...], ...] along <paramref name="dim"/>; <paramref name="index"/> has
    /// this tensor's rank and the result its shape (torch.gather).
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        var d = NormalizeDim(dim, Rank);
        RequireIndex(index, "Gather");
        if (index.Rank != Rank)
            throw new ArgumentException($"Gather: index rank {index.Rank} differs from input rank {Rank} (shapes {index.Shape} and {Shape})");
        for (var i = 0; i < Rank; i++)
            if (i != d && index._shape[i] > _shape[i])
                throw new ArgumentException($"Gather: index shape {index.Shape} exceeds input shape {Shape} at dimension {i}");
        using var ic = index.CopyToContiguous();
        var result = Empty(index._shape, DType);
        var es = DType.ElementSize();
        var size = _shape[d];
        ForEachIndexed(ic, d, (i, k, baseOffset) =>
        {
            if (k < -size || k >= size)
                throw new IndexOutOfRangeException($"Gather: index {k} out of range for dimension {dim} of size {size} (shape {Shape})");
            var src = baseOffset + (k < 0 ? k + size : k) * _strides[d];
            Buffer.MemoryCopy(RawPtr + src * es, result.RawPtr + (long)i * es, es, es);
        });
        return Record(result, OpKind.Gather, d, [this], ic);
    }

    /// <summary>
    /// A copy of this tensor with <paramref name="source"/>'s values written at <paramref name="index"/> along
    /// <paramref name="dim"/> (torch.scatter); with duplicate indices the last write wins.
    /// </summary>
    public Tensor Scatter(int dim, Tensor index, Tensor source)
    {
        var d = NormalizeDim(dim, Rank);
        var result = CopyToContiguous();
        using var ic = index.CopyToContiguous();
        result.ScatterInPlace(d, ic, source, accumulate: false);
        return Record(result, OpKind.Scatter, d, [this, source], ic);
    }

    /// <summary>A copy of this tensor with <paramref name="source"/> added at <paramref name="index"/> along <paramref name="dim"/> (torch.scatter_add).</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor source)
    {
        var d = NormalizeDim(dim, Rank);
        var result = CopyToContiguous();
        using var ic = index.CopyToContiguous();
        result.ScatterInPlace(d, ic, source, accumulate: true);
        return Record(result, OpKind.ScatterAdd, d, [this, source], ic);
    }

    /// <summary>Gather with broadcasting of the non-indexed dimensions (torch.take_along_dim).</summary>
    public Tensor TakeAlongDim(Tensor indices, int dim)
    {
        var d = NormalizeDim(dim, Rank);
        if (indices.Rank != Rank)
            throw new ArgumentException($"TakeAlongDim: indices rank {indices.Rank} differs from input rank {Rank}");
        var selfShape = (int[])_shape.Clone();
        var idxShape = (int[])indices._shape.Clone();
        selfShape[d] = 1;
        idxShape[d] = 1;
        var common = BroadcastShapes(selfShape, idxShape);
        var selfTarget = (int[])common.Clone();
        selfTarget[d] = _shape[d];
        var idxTarget = (int[])common.Clone();
        idxTarget[d] = indices._shape[d];
        using var self = Expand(selfTarget);
        using var idx = indices.ViewOf(idxTarget, indices.BroadcastStrides(idxTarget), indices._offset);
        return self.Gather(d, idx);
    }

    /// <summary>Indices that sort along <paramref name="dim"/> (stable), as int64.</summary>
    public Tensor Argsort(int dim = -1, bool descending = false)
    {
        var (v, i) = Sort(dim, descending);
        v.Dispose();
        return i;
    }

    /// <summary>Sorted values along <paramref name="dim"/> (stable) and their original indices.</summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
    {
        var d = NormalizeDim(dim, Math.Max(Rank, 1));
        var indices = SortIndices(d, descending, _shape.Length == 0 ? 1 : _shape[d]);
        return (Gather(d, indices), indices);
    }

    /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true)
    {
        var d = NormalizeDim(dim, Rank);
        if (k < 0 || k > _shape[d])
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} out of range for dimension {dim} of size {_shape[d]}");
        var indices = SortIndices(d, largest, k);
        return (Gather(d, indices), indices);
    }

    private Tensor SortIndices(int d, bool descending, int keep)
    {
        RequireFloat("Sort");
        var shape = (int[])_shape.Clone();
        if (Rank == 0)
            return Zeros([], DType.Int64);
        var n = _shape[d];
        shape[d] = keep;
        var result = Empty(shape, DType.Int64);
        using var moved = Transpose(d, -1);
        using var rows = moved.CopyToContiguous();
        var count = n == 0 ? 0 : _numel / n;
        using var outMoved = Empty([.. moved._shape[..^1], keep], DType.Int64);
        var keys = new float[n];
        var order = new int[n];
        for (var r = 0; r < count; r++)
        {
            new ReadOnlySpan<float>(rows.FloatPtr + (long)r * n, n).CopyTo(keys);
            for (var i = 0; i < n; i++)
                order[i] = i;
            // Stable sort; NaN sorts as the largest value, as in PyTorch.
            var cmp = descending
                ? (Comparison<int>)((x, y) => Compare(keys[y], keys[x]) is var c && c != 0 ? c : x.CompareTo(y))
                : (x, y) => Compare(keys[x], keys[y]) is var c && c != 0 ? c : x.CompareTo(y);
            Array.Sort(order, cmp);
            for (var i = 0; i < keep; i++)
                outMoved.LongPtr[(long)r * keep + i] = order[i];
        }
        using var back = outMoved.Transpose(d, -1);
        result.CopyElements(back);
        return result;

        static int Compare(float a, float b) => float.IsNaN(a) ? (float.IsNaN(b) ? 0 : 1) : float.IsNaN(b) ? -1 : a.CompareTo(b);
    }

    /// <summary>Writes (or adds) <paramref name="source"/> at <paramref name="index"/> along <paramref name="dim"/>; this tensor must be contiguous and fresh.</summary>
    internal void ScatterInPlace(int dim, Tensor index, Tensor source, bool accumulate)
    {
        RequireIndex(index, "Scatter");
        if (index.Rank != Rank || source.Rank != Rank)
            throw new ArgumentException($"Scatter: index {index.Shape} and source {source.Shape} must have the rank of the input {Shape}");
        if (source.DType != DType)
            throw new ArgumentException($"Scatter: source dtype {source.DType.Name()} differs from {DType.Name()}");
        for (var i = 0; i < Rank; i++)
        {
            if (index._shape[i] > source._shape[i] || (i != dim && index._shape[i] > _shape[i]))
                throw new ArgumentException($"Scatter: index shape {index.Shape} exceeds source {source.Shape} or input {Shape} at dimension {i}");
        }
        using var ic = index.CopyToContiguous();
        var size = _shape[dim];
        var es = DType.ElementSize();
        var srcStrides = source._strides;
        var idxShape = ic._shape;
        ForEachIndexed(ic, dim, (i, k, baseOffset) =>
        {
            if (k < -size || k >= size)
                throw new IndexOutOfRangeException($"Scatter: index {k} out of range for dimension {dim} of size {size} (shape {Shape})");
            var dst = baseOffset + (k < 0 ? k + size : k) * _strides[dim];
            // Source element at the same coordinates as index element i.
            long srcOffset = 0;
            var rem = i;
            for (var a = Rank - 1; a >= 0; a--)
            {
                var c = rem % idxShape[a];
                rem /= idxShape[a];
                srcOffset += (long)c * srcStrides[a];
            }
            if (accumulate && DType == DType.Float32)
                FloatPtr[dst] += source.FloatPtr[srcOffset];
            else if (accumulate && DType == DType.Int64)
                LongPtr[dst] += source.LongPtr[srcOffset];
            else
                Buffer.MemoryCopy(source.RawPtr + srcOffset * es, RawPtr + dst * es, es, es);
        });
        BumpVersion();
    }

    /// <summary>
    /// Calls <paramref name="body"/>(i, index value, offset of the element in this tensor with the indexed
    /// coordinate set to 0) for every element i of a contiguous int64 <paramref name="index"/>.
    /// </summary>
    private void ForEachIndexed(Tensor index, int dim, Action<int, long, long> body)
    {
        var rank = index.Rank;
        var coords = new int[rank];
        var ip = index.LongPtr;
        long offset = 0;
        for (var i = 0; i < index._numel; i++)
        {
            body(i, ip[i], offset);
            for (var a = rank - 1; a >= 0; a--)
            {
                coords[a]++;
                if (a != dim)
                    offset += _strides[a];
                if (coords[a] < index._shape[a])
                    break;
                if (a != dim)
                    offset -= (long)_strides[a] * index._shape[a];
                coords[a] = 0;
            }
        }
    }

    private static void RequireIndex(Tensor index, string op)
    {
        index.ThrowIfDisposed();
        if (index.DType != DType.Int64)
            throw new ArgumentException($"{op}: indices must be int64, got {index.DType.Name()} of shape {index.Shape}");
    }

    private static void RequireBool(Tensor mask, string op)
    {
        mask.ThrowIfDisposed();
        if (mask.DType != DType.Bool)
            throw new ArgumentException($"{op}: mask must be bool, got {mask.DType.Name()} of shape {mask.Shape}");
    }
}
