using System.Numerics.Tensors;
using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    /// <summary>Sum of all elements, as a 0-d tensor.</summary>
    public Tensor Sum() => Sum([], keepDim: false);

    /// <summary>Sum over <paramref name="dims"/> (all when empty).</summary>
    public Tensor Sum(ReadOnlySpan<int> dims, bool keepDim = false)
    {
        RequireFloat("Sum");
        var plan = new ReducePlan(this, dims);
        var result = plan.Reduce(this, static row => TensorPrimitives.Sum(row), columnSum: true);
        var output = plan.Finish(result, keepDim);
        return Record(output, OpKind.Sum, plan.KeepDimShape, [this]);
    }

    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean of all elements.</summary>
    public Tensor Mean() => Mean([], keepDim: false);

    /// <summary>Mean over <paramref name="dims"/> (all when empty).</summary>
    public Tensor Mean(ReadOnlySpan<int> dims, bool keepDim = false)
    {
        var plan = new ReducePlan(this, dims);
        using var sum = Sum(dims, keepDim);
        return sum.Mul(plan.ReducedCount == 0 ? float.NaN : 1f / plan.ReducedCount);
    }

    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>
    /// Variance over <paramref name="dims"/> (all when empty) with Bessel's <paramref name="correction"/>
    /// (1 = unbiased, PyTorch's default; 0 = population).
    /// </summary>
    public Tensor Var(ReadOnlySpan<int> dims, int correction = 1, bool keepDim = false)
    {
        var plan = new ReducePlan(this, dims);
        using var mean = Mean(dims, keepDim: true);
        using var centered = Sub(mean);
        using var sq = centered.Square();
        using var sum = sq.Sum(dims, keepDim);
        return sum.Mul(1f / Math.Max(0, plan.ReducedCount - correction));
    }

    /// <summary>Variance over one dimension.</summary>
    public Tensor Var(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim);

    /// <summary>Standard deviation over <paramref name="dims"/> (see <see cref="Var(ReadOnlySpan{int}, int, bool)"/>).</summary>
    public Tensor Std(ReadOnlySpan<int> dims, int correction = 1, bool keepDim = false)
    {
        using var v = Var(dims, correction, keepDim);
        return v.Sqrt();
    }

    /// <summary>Standard deviation over one dimension.</summary>
    public Tensor Std(int dim, int correction = 1, bool keepDim = false) => Std([dim], correction, keepDim);

    /// <summary>log(sum(exp(x))) over <paramref name="dims"/>, computed stably.</summary>
    public Tensor LogSumExp(ReadOnlySpan<int> dims, bool keepDim = false)
    {
        RequireFloat("LogSumExp");
        var plan = new ReducePlan(this, dims);
        var result = plan.Reduce(this, static row =>
        {
            if (row.Length == 0)
                return float.NegativeInfinity;
            var max = TensorPrimitives.Max(row);
            if (float.IsNegativeInfinity(max) || float.IsNaN(max))
                return max;
            double sum = 0;
            foreach (var v in row)
                sum += MathF.Exp(v - max);
            return max + (float)Math.Log(sum);
        }, columnSum: false);
        var output = plan.Finish(result, keepDim);
        if (!WillRecord(this))
            return output;
        using var keep = output.Reshape(plan.KeepDimShape);
        return Record(output, OpKind.LogSumExp, plan.KeepDimShape, [this], this, keep);
    }

    /// <summary>log(sum(exp(x))) over one dimension.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>Maximum over one dimension, with the index of the first maximum (int64).</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => MaxMin(dim, keepDim, max: true);

    /// <summary>Minimum over one dimension, with the index of the first minimum (int64).</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => MaxMin(dim, keepDim, max: false);

    /// <summary>Maximum of all elements.</summary>
    public Tensor Max()
    {
        using var flat = Reshape(-1);
        var (v, i) = flat.Max(0);
        i.Dispose();
        return v;
    }

    /// <summary>Minimum of all elements.</summary>
    public Tensor Min()
    {
        using var flat = Reshape(-1);
        var (v, i) = flat.Min(0);
        i.Dispose();
        return v;
    }

    /// <summary>Maximum over several dimensions (values only).</summary>
    public Tensor Amax(ReadOnlySpan<int> dims, bool keepDim = false) => AmaxAmin(dims, keepDim, max: true);

    /// <summary>Minimum over several dimensions (values only).</summary>
    public Tensor Amin(ReadOnlySpan<int> dims, bool keepDim = false) => AmaxAmin(dims, keepDim, max: false);

    /// <summary>Index of the first maximum along <paramref name="dim"/> (int64).</summary>
    public Tensor ArgMax(int dim, bool keepDim = false)
    {
        var (v, i) = Max(dim, keepDim);
        v.Dispose();
        return i;
    }

    /// <summary>Index of the first minimum along <paramref name="dim"/> (int64).</summary>
    public Tensor ArgMin(int dim, bool keepDim = false)
    {
        var (v, i) = Min(dim, keepDim);
        v.Dispose();
        return i;
    }

    /// <summary>The p-norm over <paramref name="dims"/> (all when empty): (sum |x|^p)^(1/p); p = 2 by default.</summary>
    public Tensor Norm(float p = 2, ReadOnlySpan<int> dims = default, bool keepDim = false)
    {
        if (p == 1)
        {
            using var a = Abs();
            return a.Sum(dims, keepDim);
        }
        if (p == 2)
        {
            using var sq = Square();
            using var s = sq.Sum(dims, keepDim);
            return s.Sqrt();
        }
        if (float.IsPositiveInfinity(p))
        {
            using var a = Abs();
            return a.Amax(dims, keepDim);
        }
        using var ab = Abs();
        using var pw = ab.Pow(p);
        using var sum = pw.Sum(dims, keepDim);
        return sum.Pow(1f / p);
    }

    private (Tensor Values, Tensor Indices) MaxMin(int dim, bool keepDim, bool max)
    {
        RequireFloat(max ? "Max" : "Min");
        var d = NormalizeDim(dim, Math.Max(Rank, 1));
        if (Rank > 0 && _shape[d] == 0)
            throw new ArgumentException($"{(max ? "Max" : "Min")}: dimension {dim} of shape {Shape} is empty");
        var plan = new ReducePlan(this, [d]);
        var idxTensor = Empty(keepDim ? plan.KeepDimShape : plan.KeptShape, DType.Int64);
        var indices = (nint)idxTensor.LongPtr;
        var result = plan.Reduce(this, static row => 0f, columnSum: false, (row, o) =>
        {
            var idx = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
            ((long*)indices)[o] = idx;
            return row[idx];
        });
        var values = plan.Finish(result, keepDim);
        if (WillRecord(this))
        {
            using var keepIdx = idxTensor.Reshape(plan.KeepDimShape);
            Record(values, OpKind.MaxReduce, d, [this], keepIdx);
        }
        return (values, idxTensor);
    }

    private Tensor AmaxAmin(ReadOnlySpan<int> dims, bool keepDim, bool max)
    {
        var plan = new ReducePlan(this, dims);
        // Move the reduced dimensions to the end, merge them, and reduce that single dimension.
        using var permuted = Permute(plan.Permutation);
        using var merged = permuted.Reshape([.. plan.KeptShape, -1]);
        var (v, i) = merged.MaxMin(-1, keepDim: false, max);
        i.Dispose();
        if (!keepDim)
            return v;
        using (v)
            return v.Reshape(plan.KeepDimShape);
    }

    /// <summary>How a reduction maps input elements to output rows.</summary>
    private sealed class ReducePlan
    {
        public readonly bool[] Reduced;
        public readonly int[] Permutation;
        public readonly int[] KeptShape;
        public readonly int[] KeepDimShape;
        public readonly int OuterCount;
        public readonly int ReducedCount;

        public ReducePlan(Tensor t, ReadOnlySpan<int> dims)
        {
            var rank = t.Rank;
            Reduced = new bool[rank];
            if (dims.Length == 0)
            {
                Array.Fill(Reduced, true);
            }
            else
            {
                foreach (var dim in dims)
                {
                    var d = NormalizeDim(dim, rank);
                    if (Reduced[d])
                        throw new ArgumentException($"dimension {dim} listed twice for a reduction over shape {t.Shape}");
                    Reduced[d] = true;
                }
            }
            var kept = new List<int>();
            var reducedDims = new List<int>();
            KeepDimShape = new int[rank];
            var outer = 1;
            var inner = 1;
            for (var i = 0; i < rank; i++)
            {
                if (Reduced[i])
                {
                    reducedDims.Add(i);
                    KeepDimShape[i] = 1;
                    inner *= t._shape[i];
                }
                else
                {
                    kept.Add(i);
                    KeepDimShape[i] = t._shape[i];
                    outer *= t._shape[i];
                }
            }
            Permutation = [.. kept, .. reducedDims];
            KeptShape = [.. kept.Select(i => t._shape[i])];
            OuterCount = outer;
            ReducedCount = inner;
        }

        /// <summary>Applies <paramref name="rowFn"/> to each output's reduced elements, in order.</summary>
        public Tensor Reduce(Tensor t, Func<ReadOnlySpan<float>, float> rowFn, bool columnSum, Func<ReadOnlySpan<float>, int, float>? indexedFn = null)
        {
            var result = Empty(KeptShape);
            var outPtr = (nint)result.FloatPtr;
            var inner = ReducedCount;
            if (OuterCount == 0)
                return result;
            if (inner == 0)
            {
                result.FloatSpan.Fill(rowFn(ReadOnlySpan<float>.Empty));
                return result;
            }
            // Column sums: a contiguous tensor whose reduced dimensions all come first.
            if (columnSum && t.IsContiguous && LeadingReduced(t))
            {
                var src = (nint)t.FloatPtr;
                var cols = OuterCount;
                WorkerPool.For(cols, Math.Max(64, 1 << 14 / Math.Max(1, inner)), (c0, c1) =>
                {
                    var acc = new Span<float>((float*)outPtr + c0, c1 - c0);
                    acc.Clear();
                    for (var r = 0; r < inner; r++)
                        TensorPrimitives.Add(acc, new ReadOnlySpan<float>((float*)src + (long)r * cols + c0, c1 - c0), acc);
                });
                return result;
            }
            using var permuted = t.ViewOf(
                [.. Permutation.Select(i => t._shape[i])], [.. Permutation.Select(i => t._strides[i])], t._offset);
            using var rows = permuted.IsContiguous ? permuted.ViewOf(permuted._shape, permuted._strides, permuted._offset) : permuted.CopyToContiguous();
            var basePtr = (nint)rows.FloatPtr;
            WorkerPool.For(OuterCount, Math.Max(1, (1 << 15) / inner), (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                {
                    var row = new ReadOnlySpan<float>((float*)basePtr + (long)r * inner, inner);
                    ((float*)outPtr)[r] = indexedFn is null ? rowFn(row) : indexedFn(row, r);
                }
            });
            return result;
        }

        private bool LeadingReduced(Tensor t)
        {
            var seenKept = false;
            for (var i = 0; i < Reduced.Length; i++)
            {
                if (t._shape[i] == 1)
                    continue;
                if (!Reduced[i])
                    seenKept = true;
                else if (seenKept)
                    return false;
            }
            return true;
        }

        /// <summary>Gives the reduced values their final shape (a view; the temporary handle is released).</summary>
        public Tensor Finish(Tensor values, bool keepDim)
        {
            if (!keepDim)
                return values;
            using (values)
                return values.ViewOf(KeepDimShape, ContiguousStrides(KeepDimShape), values._offset);
        }
    }
}
