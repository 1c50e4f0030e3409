using TokenVision.Tensors.Autograd;

namespace TokenVision.Tensors;

/// <summary>
/// Neural-network functions on tensors, after <c>torch.nn.functional</c>: normalisation, activations over a
/// dimension, dropout, convolution, pooling, interpolation, attention and losses.
/// </summary>
public static partial class Functional
{
    /// <summary>softmax(x) = exp(x - max) / sum(exp(x - max)) along <paramref name="dim"/>, one fused pass per row.</summary>
    public static Tensor Softmax(Tensor x, int dim = -1) => RowOp(x, dim, log: false);

    /// <summary>log_softmax(x) = x - logsumexp(x) along <paramref name="dim"/>, one fused pass per row.</summary>
    public static Tensor LogSoftmax(Tensor x, int dim = -1) => RowOp(x, dim, log: true);

    private static unsafe Tensor RowOp(Tensor x, int dim, bool log)
    {
        x.RequireFloat(log ? "LogSoftmax" : "Softmax");
        var d = Tensor.NormalizeDim(dim, Math.Max(x.Rank, 1));
        var last = x.Rank == 0 || d == x.Rank - 1;
        using var moved = last ? x.Detach() : x.Detach().TransposeOwned(d, -1);
        using var rowsIn = moved.Contiguous();
        var cols = x.Rank == 0 ? 1 : x.ShapeArray[d];
        var rows = cols == 0 ? 0 : x.NumElements / cols;
        using var rowsOut = Tensor.Empty(rowsIn.ShapeArray);
        if (log)
            Kernels.Fused.Softmax.LogForward(Kernels.Isa.Current, rowsIn.FloatPtr, rowsOut.FloatPtr, rows, cols);
        else
            Kernels.Fused.Softmax.Forward(Kernels.Isa.Current, rowsIn.FloatPtr, rowsOut.FloatPtr, rows, cols);
        var y = last ? rowsOut.Detach() : rowsOut.TransposeOwned(d, -1).ContiguousOwned();
        return Tensor.Record(y, log ? OpKind.LogSoftmax : OpKind.Softmax, d, [x], y);
    }

    internal static unsafe Tensor SoftmaxBackward(Node node, Tensor g)
    {
        var d = (int)node.Ctx!;
        var y = node.Saved[0];
        var last = d == y.Rank - 1 || y.Rank == 0;
        using var ym = last ? y.Contiguous() : y.Detach().TransposeOwned(d, -1).ContiguousOwned();
        using var gm = last ? g.Contiguous() : g.Detach().TransposeOwned(d, -1).ContiguousOwned();
        var cols = y.Rank == 0 ? 1 : y.ShapeArray[d];
        var rows = cols == 0 ? 0 : y.NumElements / cols;
        using var dx = Tensor.Empty(ym.ShapeArray);
        if (node.Kind == OpKind.LogSoftmax)
            Kernels.Fused.Softmax.LogBackward(Kernels.Isa.Current, ym.FloatPtr, gm.FloatPtr, dx.FloatPtr, rows, cols);
        else
            Kernels.Fused.Softmax.Backward(Kernels.Isa.Current, ym.FloatPtr, gm.FloatPtr, dx.FloatPtr, rows, cols);
        return last ? dx.Detach() : dx.TransposeOwned(d, -1).ContiguousOwned();
    }

    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> and scales the rest by
    /// 1/(1-p); identity otherwise (or when p is 0).
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, Generator generator)
    {
        if (p is < 0 or > 1 || float.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        if (!training || p == 0)
            return x.Identity();
        if (p == 1)
            return x * 0f;
        using var mask = Tensor.Bernoulli(x.ShapeArray, 1 - p, generator);
        using var scaled = mask.Mul(1f / (1 - p));
        return x * scaled;
    }
}
