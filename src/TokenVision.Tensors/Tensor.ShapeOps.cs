using TokenVision.Tensors.Autograd;

namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    /// <summary>Concatenates tensors of equal shape except along <paramref name="dim"/>.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0)
            throw new ArgumentException("Cat: no tensors given");
        var first = tensors[0];
        var d = NormalizeDim(dim, first.Rank);
        var shape = (int[])first._shape.Clone();
        var sizes = new int[tensors.Count];
        shape[d] = 0;
        for (var t = 0; t < tensors.Count; t++)
        {
            var x = tensors[t];
            x.ThrowIfDisposed();
            if (x.Rank != first.Rank || x.DType != first.DType)
                throw new ArgumentException($"Cat: tensor {t} has shape {x.Shape} ({x.DType.Name()}), expected rank {first.Rank} {first.DType.Name()}");
            for (var i = 0; i < first.Rank; i++)
                if (i != d && x._shape[i] != first._shape[i])
                    throw new ArgumentException($"Cat: tensor {t} has shape {x.Shape}, which differs from {first.Shape} outside dimension {d}");
            sizes[t] = x._shape[d];
            shape[d] += sizes[t];
        }
        var result = Empty(shape, first.DType);
        var offset = 0;
        for (var t = 0; t < tensors.Count; t++)
        {
            using var region = result.Slice(d, offset, offset + sizes[t]);
            region.CopyElements(tensors[t]);
            offset += sizes[t];
        }
        var inputs = new Tensor?[tensors.Count];
        for (var t = 0; t < inputs.Length; t++)
            inputs[t] = tensors[t];
        return Record(result, OpKind.Cat, (d, sizes), inputs);
    }

    /// <summary>Stacks tensors of equal shape along a new dimension <paramref name="dim"/>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0)
            throw new ArgumentException("Stack: no tensors given");
        var d = NormalizeDim(dim, tensors[0].Rank + 1);
        var expanded = new Tensor[tensors.Count];
        try
        {
            for (var i = 0; i < tensors.Count; i++)
            {
                if (tensors[i].Shape != tensors[0].Shape)
                    throw new ArgumentException($"Stack: tensor {i} has shape {tensors[i].Shape}, expected {tensors[0].Shape}");
                expanded[i] = tensors[i].Unsqueeze(d);
            }
            return Cat(expanded, d);
        }
        finally
        {
            foreach (var e in expanded)
                e?.Dispose();
        }
    }

    /// <summary>Splits into views of <paramref name="splitSize"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        if (splitSize <= 0)
            throw new ArgumentException($"Split: size must be positive, got {splitSize}");
        var d = NormalizeDim(dim, Rank);
        var n = _shape[d];
        var parts = new List<Tensor>();
        for (var s = 0; s < n || (n == 0 && parts.Count == 0); s += splitSize)
            parts.Add(Narrow(d, s, Math.Min(splitSize, n - s)));
        return [.. parts];
    }

    /// <summary>Splits into views of the given sizes along <paramref name="dim"/>.</summary>
    public Tensor[] Split(ReadOnlySpan<int> sizes, int dim)
    {
        var d = NormalizeDim(dim, Rank);
        var total = 0;
        foreach (var s in sizes)
            total += s;
        if (total != _shape[d])
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes.ToArray())}] do not add up to dimension {dim} of size {_shape[d]}");
        var parts = new Tensor[sizes.Length];
        var offset = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            parts[i] = Narrow(d, offset, sizes[i]);
            offset += sizes[i];
        }
        return parts;
    }

    /// <summary>Splits into <paramref name="chunks"/> views along <paramref name="dim"/>, as torch.chunk.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0)
            throw new ArgumentException($"Chunk: count must be positive, got {chunks}");
        var d = NormalizeDim(dim, Rank);
        var size = (_shape[d] + chunks - 1) / chunks;
        return Split(Math.Max(size, 1), d);
    }

    /// <summary>Unbinds along <paramref name="dim"/> into views with that dimension removed.</summary>
    public Tensor[] Unbind(int dim = 0)
    {
        var d = NormalizeDim(dim, Rank);
        var parts = new Tensor[_shape[d]];
        for (var i = 0; i < parts.Length; i++)
            parts[i] = Select(d, i);
        return parts;
    }

    /// <summary>Rolls elements along <paramref name="dims"/> by <paramref name="shifts"/> (torch.roll; elements wrap around).</summary>
    public Tensor Roll(ReadOnlySpan<int> shifts, ReadOnlySpan<int> dims)
    {
        if (shifts.Length != dims.Length)
            throw new ArgumentException($"Roll: {shifts.Length} shifts for {dims.Length} dimensions");
        var norm = new int[dims.Length];
        var sh = new int[dims.Length];
        for (var i = 0; i < dims.Length; i++)
        {
            norm[i] = NormalizeDim(dims[i], Rank);
            var n = _shape[norm[i]];
            sh[i] = n == 0 ? 0 : ((shifts[i] % n) + n) % n;
        }
        var result = RollCopy(norm, sh);
        return Record(result, OpKind.Roll, (norm, sh), [this]);
    }

    internal Tensor RollCopy(int[] dims, int[] shifts)
    {
        var result = Empty(_shape, DType);
        // Each rolled dimension splits into two blocks; copy the 2^k block combinations.
        var k = dims.Length;
        for (var mask = 0; mask < 1 << k; mask++)
        {
            Tensor src = ViewOf(_shape, _strides, _offset);
            Tensor dst = result.ViewOf(result._shape, result._strides, result._offset);
            var empty = false;
            for (var i = 0; i < k; i++)
            {
                var n = _shape[dims[i]];
                var s = shifts[i];
                // Source [0, n-s) goes to [s, n); source [n-s, n) goes to [0, s).
                var (srcStart, dstStart, len) = (mask & (1 << i)) == 0 ? (0, s, n - s) : (n - s, 0, s);
                if (len == 0)
                    empty = true;
                var ns = src.NarrowView(dims[i], srcStart, len);
                var nd = dst.NarrowView(dims[i], dstStart, len);
                src.Dispose();
                dst.Dispose();
                (src, dst) = (ns, nd);
            }
            if (!empty)
                dst.CopyElements(src);
            src.Dispose();
            dst.Dispose();
        }
        return result;
    }

    /// <summary>A narrow view without autograd (kernel helper).</summary>
    internal Tensor NarrowView(int dim, int start, int length)
    {
        var shape = (int[])_shape.Clone();
        shape[dim] = length;
        return ViewOf(shape, _strides, _offset + (length > 0 ? start * _strides[dim] : 0));
    }

    /// <summary>
    /// Pads with a constant, as torch.nn.functional.pad: <paramref name="pad"/> lists (before, after) pairs starting
    /// from the last dimension. Negative amounts crop.
    /// </summary>
    public Tensor Pad(ReadOnlySpan<int> pad, float value = 0f)
    {
        var (before, after) = PadSpec(pad, "Pad");
        var shape = new int[Rank];
        for (var i = 0; i < Rank; i++)
        {
            shape[i] = _shape[i] + before[i] + after[i];
            if (shape[i] < 0)
                throw new ArgumentException($"Pad: padding ({string.Join(", ", pad.ToArray())}) makes dimension {i} of {Shape} negative");
        }
        var result = Full(shape, value, DType);
        CopyRegion(this, result, before);
        return Record(result, OpKind.PadConstant, before, [this]);
    }

    /// <summary>Reflection padding (the edge is not repeated), as torch.nn.functional.pad(mode='reflect').</summary>
    public Tensor PadReflect(ReadOnlySpan<int> pad)
    {
        var (before, after) = PadSpec(pad, "PadReflect");
        var recorded = Identity();
        for (var d = 0; d < Rank; d++)
        {
            if (before[d] == 0 && after[d] == 0)
                continue;
            var n = _shape[d];
            if (before[d] >= n || after[d] >= n || before[d] < 0 || after[d] < 0)
                throw new ArgumentException($"PadReflect: padding ({before[d]}, {after[d]}) must be non-negative and smaller than dimension {d} of size {n} (shape {Shape})");
            var idx = new long[n + before[d] + after[d]];
            for (var i = 0; i < idx.Length; i++)
            {
                var j = i - before[d];
                idx[i] = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
            }
            using var index = FromArray(idx);
            var next = recorded.IndexSelect(d, index);
            recorded.Dispose();
            recorded = next;
        }
        return recorded;
    }

    private (int[] Before, int[] After) PadSpec(ReadOnlySpan<int> pad, string op)
    {
        if (pad.Length % 2 != 0 || pad.Length / 2 > Rank)
            throw new ArgumentException($"{op}: padding needs (before, after) pairs for at most {Rank} dimensions, got {pad.Length} values");
        var before = new int[Rank];
        var after = new int[Rank];
        for (var p = 0; p < pad.Length / 2; p++)
        {
            var d = Rank - 1 - p;
            before[d] = pad[2 * p];
            after[d] = pad[2 * p + 1];
        }
        return (before, after);
    }

    /// <summary>Copies the overlap of <paramref name="src"/> placed at <paramref name="offset"/> (may be negative) into <paramref name="dst"/>.</summary>
    internal static void CopyRegion(Tensor src, Tensor dst, int[] offset)
    {
        var s = src.ViewOf(src._shape, src._strides, src._offset);
        var d = dst.ViewOf(dst._shape, dst._strides, dst._offset);
        try
        {
            for (var i = 0; i < src.Rank; i++)
            {
                var srcStart = Math.Max(0, -offset[i]);
                var dstStart = Math.Max(0, offset[i]);
                var len = Math.Min(src._shape[i] - srcStart, dst._shape[i] - dstStart);
                if (len <= 0)
                    return;
                var ns = s.NarrowView(i, srcStart, len);
                var nd = d.NarrowView(i, dstStart, len);
                s.Dispose();
                d.Dispose();
                (s, d) = (ns, nd);
            }
            d.CopyElements(s);
        }
        finally
        {
            s.Dispose();
            d.Dispose();
        }
    }

    /// <summary>Repeats the tensor along each dimension (torch.Tensor.repeat; extra leading repeats add dimensions).</summary>
    public Tensor Repeat(params ReadOnlySpan<int> repeats)
    {
        if (repeats.Length < Rank)
            throw new ArgumentException($"Repeat: {repeats.Length} repeats for a tensor of rank {Rank}");
        var lead = repeats.Length - Rank;
        var inter = new int[2 * repeats.Length];
        var expanded = new int[2 * repeats.Length];
        var final = new int[repeats.Length];
        for (var i = 0; i < repeats.Length; i++)
        {
            var s = i < lead ? 1 : _shape[i - lead];
            inter[2 * i] = 1;
            inter[2 * i + 1] = s;
            expanded[2 * i] = repeats[i];
            expanded[2 * i + 1] = s;
            final[i] = repeats[i] * s;
        }
        using var v = Reshape(inter);
        using var e = v.Expand(expanded);
        return e.Reshape(final);
    }

    /// <summary>Repeats like numpy.tile (fewer repeats than dimensions are padded with ones on the left).</summary>
    public Tensor Tile(params ReadOnlySpan<int> repeats)
    {
        if (repeats.Length >= Rank)
            return Repeat(repeats);
        var full = new int[Rank];
        Array.Fill(full, 1);
        repeats.CopyTo(full.AsSpan(Rank - repeats.Length));
        return Repeat(full);
    }

    /// <summary>Reverses the order of elements along <paramref name="dims"/>.</summary>
    public Tensor Flip(params ReadOnlySpan<int> dims)
    {
        var current = Identity();
        foreach (var dim in dims)
        {
            var d = NormalizeDim(dim, Rank);
            var n = _shape[d];
            var idx = new long[n];
            for (var i = 0; i < n; i++)
                idx[i] = n - 1 - i;
            using var index = FromArray(idx);
            var next = current.IndexSelect(d, index);
            current.Dispose();
            current = next;
        }
        return current;
    }
}
