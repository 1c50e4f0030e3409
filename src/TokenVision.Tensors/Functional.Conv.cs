using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Kernels.Conv;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Depthwise;
using TokenVision.Tensors.Kernels.Gemm;

namespace TokenVision.Tensors;

/// <summary>Padding mode of a convolution given by name, as PyTorch's <c>padding='same'|'valid'</c>.</summary>
public enum ConvPadding
{
    /// <summary>No padding.</summary>
    Valid,
    /// <summary>Pad so the output has the input's size (stride 1 only); odd totals put the extra element after.</summary>
    Same,
}

public static partial class Functional
{
    /// <summary>1-D convolution of [N, C, L] with weight [O, C/groups, k].</summary>
    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        ConvNd(x, weight, bias, [stride], [padding], [padding], [dilation], groups);

    /// <summary>2-D convolution of [N, C, H, W] with weight [O, C/groups, kh, kw].</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, int groups = 1)
    {
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        return ConvNd(x, weight, bias, [s.H, s.W], [p.H, p.W], [p.H, p.W], [d.H, d.W], groups);
    }

    /// <summary>3-D convolution of [N, C, D, H, W] with weight [O, C/groups, kd, kh, kw].</summary>
    public static Tensor Conv3d(Tensor x, Tensor weight, Tensor? bias = null, (int D, int H, int W)? stride = null,
        (int D, int H, int W)? padding = null, (int D, int H, int W)? dilation = null, int groups = 1)
    {
        var s = stride ?? (1, 1, 1);
        var p = padding ?? (0, 0, 0);
        var d = dilation ?? (1, 1, 1);
        return ConvNd(x, weight, bias, [s.D, s.H, s.W], [p.D, p.H, p.W], [p.D, p.H, p.W], [d.D, d.H, d.W], groups);
    }

    /// <summary>Convolution with named padding ('same' or 'valid') over 1 to 3 spatial dimensions.</summary>
    public static Tensor Conv(Tensor x, Tensor weight, Tensor? bias, ConvPadding padding, ReadOnlySpan<int> dilation = default, int groups = 1)
    {
        var dims = weight.Rank - 2;
        var dil = dilation.IsEmpty ? Enumerable.Repeat(1, dims).ToArray() : dilation.ToArray();
        var before = new int[dims];
        var after = new int[dims];
        if (padding == ConvPadding.Same)
        {
            for (var d = 0; d < dims; d++)
            {
                var total = dil[d] * (weight.ShapeArray[2 + d] - 1);
                before[d] = total / 2;
                after[d] = total - before[d];
            }
        }
        return ConvNd(x, weight, bias, Enumerable.Repeat(1, dims).ToArray(), before, after, dil, groups);
    }

    /// <summary>
    /// N-d convolution (1 to 3 spatial dimensions) with per-dimension stride, padding before/after, dilation and
    /// groups, computed as im2col followed by one GEMM per sample and group; a depthwise convolution (groups =
    /// channels) runs as a direct kernel instead.
    /// </summary>
    public static unsafe Tensor ConvNd(Tensor x, Tensor weight, Tensor? bias, ReadOnlySpan<int> stride, ReadOnlySpan<int> padBefore,
        ReadOnlySpan<int> padAfter, ReadOnlySpan<int> dilation, int groups = 1)
    {
        x.RequireFloat("Conv");
        weight.RequireFloat("Conv");
        var dims = weight.Rank - 2;
        if (dims is < 1 or > 3 || x.Rank != dims + 2)
            throw new ArgumentException($"Conv: input {x.Shape} and weight {weight.Shape} must be [N, C, *spatial] and [O, C/groups, *kernel] with 1 to 3 spatial dimensions");
        if (stride.Length != dims || padBefore.Length != dims || padAfter.Length != dims || dilation.Length != dims)
            throw new ArgumentException($"Conv: stride, padding and dilation need {dims} values each");
        var n = x.ShapeArray[0];
        var c = x.ShapeArray[1];
        var o = weight.ShapeArray[0];
        if (groups <= 0 || c % groups != 0 || o % groups != 0 || weight.ShapeArray[1] != c / groups)
            throw new ArgumentException($"Conv: input {x.Shape} with groups={groups} needs weight [O, {c / Math.Max(groups, 1)}, ...] with O divisible by groups, got {weight.Shape}");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != o))
            throw new ArgumentException($"Conv: bias must be [{o}], got {bias.Shape}");
        var geom = new ConvGeometry(x.ShapeArray.AsSpan(2), weight.ShapeArray.AsSpan(2), stride, dilation, padBefore, padAfter);
        var ctx = new ConvCtx(geom, groups, Depthwise: groups > 1 && groups == c);
        var result = Tensor.Empty([n, o, .. geom.OutShape]);
        using var xc = x.Contiguous();
        using var wc = weight.Contiguous();
        if (ctx.Depthwise)
        {
            using var bc = bias?.Contiguous();
            if (!FlopCounter.Add((long)n * o * geom.OutSize * geom.KernelSize))
                return Tensor.Record(result.Zero_(), OpKind.Conv, ctx, [x, weight, bias], x, weight);
            DepthwiseConv.Forward(Isa.Current, new DepthwiseShape(n, c, o / c, geom), xc.FloatPtr, wc.FloatPtr,
                bc is null ? null : bc.FloatPtr, result.FloatPtr);
            return Tensor.Record(result, OpKind.Conv, ctx, [x, weight, bias], x, weight);
        }
        var cg = c / groups;
        var og = o / groups;
        var k = cg * geom.KernelSize;
        var l = geom.OutSize;
        var direct = ctx.IsPointwise;
        if (!FlopCounter.Add((long)n * o * l * k))
            return Tensor.Record(result.Zero_(), OpKind.Conv, ctx, [x, weight, bias], x, weight);
        using var col = direct ? null : Tensor.Empty([k, l]);
        for (var s = 0; s < n; s++)
        {
            for (var gi = 0; gi < groups; gi++)
            {
                var xin = xc.FloatPtr + ((long)s * c + gi * cg) * geom.InSize;
                float* colPtr;
                if (direct)
                {
                    colPtr = xin;
                }
                else
                {
                    Im2Col.Unfold(xin, cg, geom, col!.FloatPtr);
                    colPtr = col.FloatPtr;
                }
                var outPtr = result.FloatPtr + ((long)s * o + gi * og) * l;
                Sgemm.Multiply(Isa.Current, false, false, og, l, k, 1f, wc.FloatPtr + (long)gi * og * k, k, colPtr, l, 0f, outPtr, l);
            }
        }
        if (bias is not null)
        {
            using var b = bias.Reshape([o, .. Enumerable.Repeat(1, dims)]);
            result.AddInPlaceUnchecked(b);
        }
        return Tensor.Record(result, OpKind.Conv, ctx, [x, weight, bias], x, weight);
    }

    /// <summary>A recorded convolution; <paramref name="Depthwise"/> marks groups = input channels (the direct kernel).</summary>
    internal sealed record ConvCtx(ConvGeometry Geometry, int Groups, bool Depthwise = false)
    {
        /// <summary>1x1 kernel, stride 1, no padding: the input itself is the column matrix.</summary>
        public bool IsPointwise => Geometry.KernelSize == 1 && Geometry.Stride.All(s => s == 1) &&
                                   Geometry.PadBefore.All(p => p == 0) && Geometry.PadAfter.All(p => p == 0);
    }

    internal static unsafe Tensor?[] ConvBackward(Node node, Tensor g)
    {
        var ctx = (ConvCtx)node.Ctx!;
        var (x, w) = (node.Saved[0], node.Saved[1]);
        var geom = ctx.Geometry;
        var groups = ctx.Groups;
        var n = x.ShapeArray[0];
        var c = x.ShapeArray[1];
        var o = w.ShapeArray[0];
        var cg = c / groups;
        var og = o / groups;
        var k = cg * geom.KernelSize;
        var l = geom.OutSize;
        using var gc = g.Contiguous();
        using var xc = x.Contiguous();
        using var wc = w.Contiguous();
        Tensor? gx = null, gw = null, gb = null;
        if (ctx.Depthwise)
        {
            var shape = new DepthwiseShape(n, c, o / c, geom);
            if (node.NeedsGrad(0))
            {
                gx = Tensor.Empty(x.ShapeArray);
                DepthwiseConv.BackwardInput(Isa.Current, shape, gc.FloatPtr, wc.FloatPtr, gx.FloatPtr);
            }
            if (node.NeedsGrad(1))
            {
                gw = Tensor.Empty(w.ShapeArray);
                DepthwiseConv.BackwardWeight(Isa.Current, shape, xc.FloatPtr, gc.FloatPtr, gw.FloatPtr);
            }
            if (node.NeedsGrad(2))
                gb = g.Sum([.. Enumerable.Range(0, g.Rank).Where(d => d != 1)]);
            return [gx, gw, gb];
        }
        using var col = ctx.IsPointwise ? null : Tensor.Empty([k, l]);
        if (node.NeedsGrad(0))
            gx = Tensor.Zeros(x.ShapeArray);
        if (node.NeedsGrad(1))
            gw = Tensor.Zeros(w.ShapeArray);
        for (var s = 0; s < n; s++)
        {
            for (var gi = 0; gi < groups; gi++)
            {
                var gOut = gc.FloatPtr + ((long)s * o + gi * og) * l;
                var xin = xc.FloatPtr + ((long)s * c + gi * cg) * geom.InSize;
                var wg = wc.FloatPtr + (long)gi * og * k;
                if (gw is not null)
                {
                    float* colPtr = xin;
                    if (!ctx.IsPointwise)
                    {
                        Im2Col.Unfold(xin, cg, geom, col!.FloatPtr);
                        colPtr = col.FloatPtr;
                    }
                    // dW_g += dOut_g [og, l] · col_gᵀ [l, k]
                    Sgemm.Multiply(Isa.Current, false, true, og, k, l, 1f, gOut, l, colPtr, l, 1f, gw.FloatPtr + (long)gi * og * k, k);
                }
                if (gx is not null)
                {
                    var gxin = gx.FloatPtr + ((long)s * c + gi * cg) * geom.InSize;
                    if (ctx.IsPointwise)
                    {
                        // dX_g += W_gᵀ [k, og] · dOut_g [og, l]
                        Sgemm.Multiply(Isa.Current, true, false, k, l, og, 1f, wg, k, gOut, l, 1f, gxin, l);
                    }
                    else
                    {
                        Sgemm.Multiply(Isa.Current, true, false, k, l, og, 1f, wg, k, gOut, l, 0f, col!.FloatPtr, l);
                        Im2Col.Fold(col.FloatPtr, cg, geom, gxin);
                    }
                }
            }
        }
        if (node.NeedsGrad(2))
        {
            var dims = Enumerable.Range(0, g.Rank).Where(d => d != 1).ToArray();
            gb = g.Sum(dims);
        }
        return [gx, gw, gb];
    }
}
