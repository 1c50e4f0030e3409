using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Kernels.Conv;
using TokenVision.Tensors.Kernels.Pool;

namespace TokenVision.Tensors;

public static partial class Functional
{
    /// <summary>2-D max pooling of [N, C, H, W] (PyTorch semantics incl. ceil_mode and dilation; padding is -inf).</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPoolNd(x, [kernel, kernel], [stride ?? kernel, stride ?? kernel], [padding, padding], [dilation, dilation], ceilMode);

    /// <summary>1-D max pooling of [N, C, L].</summary>
    public static Tensor MaxPool1d(Tensor x, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPoolNd(x, [kernel], [stride ?? kernel], [padding], [dilation], ceilMode);

    /// <summary>3-D max pooling of [N, C, D, H, W].</summary>
    public static Tensor MaxPool3d(Tensor x, (int D, int H, int W) kernel, (int D, int H, int W)? stride = null, (int D, int H, int W)? padding = null, bool ceilMode = false)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0, 0);
        return MaxPoolNd(x, [kernel.D, kernel.H, kernel.W], [s.D, s.H, s.W], [p.D, p.H, p.W], [1, 1, 1], ceilMode);
    }

    /// <summary>Max pooling over the trailing 1 to 3 dimensions of [N, C, *spatial].</summary>
    public static unsafe Tensor MaxPoolNd(Tensor x, ReadOnlySpan<int> kernel, ReadOnlySpan<int> stride, ReadOnlySpan<int> padding,
        ReadOnlySpan<int> dilation, bool ceilMode = false)
    {
        x.RequireFloat("MaxPool");
        var dims = kernel.Length;
        CheckPoolInput(x, dims, "MaxPool");
        for (var d = 0; d < dims; d++)
            if (padding[d] * 2 > kernel[d])
                throw new ArgumentException($"MaxPool: padding {padding[d]} must be at most half the kernel size {kernel[d]}");
        var geom = new ConvGeometry(x.ShapeArray.AsSpan(2), kernel, stride, dilation, padding, padding, ceilMode, "MaxPool");
        return PoolMax(x, geom.OutShape, geom);
    }

    /// <summary>2-D average pooling of [N, C, H, W] (PyTorch semantics for ceil_mode, count_include_pad, divisor_override).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPoolNd(x, [kernel, kernel], [stride ?? kernel, stride ?? kernel], [padding, padding], ceilMode, countIncludePad, divisorOverride);

    /// <summary>1-D average pooling of [N, C, L].</summary>
    public static Tensor AvgPool1d(Tensor x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        AvgPoolNd(x, [kernel], [stride ?? kernel], [padding], ceilMode, countIncludePad, null);

    /// <summary>3-D average pooling of [N, C, D, H, W].</summary>
    public static Tensor AvgPool3d(Tensor x, (int D, int H, int W) kernel, (int D, int H, int W)? stride = null, (int D, int H, int W)? padding = null,
        bool ceilMode = false, bool countIncludePad = true)
    {
        var s = stride ?? kernel;
        var p = padding ?? (0, 0, 0);
        return AvgPoolNd(x, [kernel.D, kernel.H, kernel.W], [s.D, s.H, s.W], [p.D, p.H, p.W], ceilMode, countIncludePad, null);
    }

    /// <summary>Average pooling over the trailing 1 to 3 dimensions of [N, C, *spatial].</summary>
    public static unsafe Tensor AvgPoolNd(Tensor x, ReadOnlySpan<int> kernel, ReadOnlySpan<int> stride, ReadOnlySpan<int> padding,
        bool ceilMode, bool countIncludePad, int? divisorOverride)
    {
        x.RequireFloat("AvgPool");
        var dims = kernel.Length;
        CheckPoolInput(x, dims, "AvgPool");
        for (var d = 0; d < dims; d++)
            if (padding[d] * 2 > kernel[d])
                throw new ArgumentException($"AvgPool: padding {padding[d]} must be at most half the kernel size {kernel[d]}");
        var ones = Enumerable.Repeat(1, dims).ToArray();
        var geom = new ConvGeometry(x.ShapeArray.AsSpan(2), kernel, stride, ones, padding, padding, ceilMode, "AvgPool");
        return PoolAvg(x, geom.OutShape, geom, countIncludePad, divisorOverride);
    }

    /// <summary>Adaptive average pooling of [N, C, *spatial] to <paramref name="outputSize"/> (windows as PyTorch).</summary>
    public static Tensor AdaptiveAvgPool(Tensor x, params ReadOnlySpan<int> outputSize)
    {
        x.RequireFloat("AdaptiveAvgPool");
        CheckPoolInput(x, outputSize.Length, "AdaptiveAvgPool");
        return PoolAvg(x, outputSize.ToArray(), null, true, null);
    }

    /// <summary>Adaptive max pooling of [N, C, *spatial] to <paramref name="outputSize"/>.</summary>
    public static Tensor AdaptiveMaxPool(Tensor x, params ReadOnlySpan<int> outputSize)
    {
        x.RequireFloat("AdaptiveMaxPool");
        CheckPoolInput(x, outputSize.Length, "AdaptiveMaxPool");
        return PoolMax(x, outputSize.ToArray(), null);
    }

    private static void CheckPoolInput(Tensor x, int dims, string op)
    {
        if (dims is < 1 or > 3 || x.Rank != dims + 2)
            throw new ArgumentException($"{op}: input {x.Shape} must be [N, C] plus {dims} spatial dimensions (1 to 3)");
        foreach (var s in x.ShapeArray.AsSpan(2))
            if (s == 0)
                throw new ArgumentException($"{op}: input {x.Shape} has an empty spatial dimension");
    }

    private static int[] Pad3(ReadOnlySpan<int> dims)
    {
        var r = new[] { 1, 1, 1 };
        dims.CopyTo(r.AsSpan(3 - dims.Length));
        return r;
    }

    internal sealed record PoolCtx(int[] InDims, int[] OutDims, ConvGeometry? Geometry, bool CountIncludePad, int? DivisorOverride);

    private static unsafe Tensor PoolMax(Tensor x, int[] outShape, ConvGeometry? geom)
    {
        var planes = x.ShapeArray[0] * x.ShapeArray[1];
        var inDims = Pad3(x.ShapeArray.AsSpan(2));
        var outDims = Pad3(outShape);
        using var xc = x.Contiguous();
        var y = Tensor.Empty([x.ShapeArray[0], x.ShapeArray[1], .. outShape]);
        using var idx = Tensor.Empty(y.ShapeArray, DType.Int64);
        PoolKernels.MaxForward(xc.FloatPtr, y.FloatPtr, idx.LongPtr, planes, inDims, outDims, geom);
        return Tensor.Record(y, geom is null ? OpKind.AdaptiveMaxPool : OpKind.MaxPool, new PoolCtx(inDims, outDims, geom, false, null), [x], idx);
    }

    private static unsafe Tensor PoolAvg(Tensor x, int[] outShape, ConvGeometry? geom, bool countIncludePad, int? divisorOverride)
    {
        var planes = x.ShapeArray[0] * x.ShapeArray[1];
        var inDims = Pad3(x.ShapeArray.AsSpan(2));
        var outDims = Pad3(outShape);
        using var xc = x.Contiguous();
        var y = Tensor.Empty([x.ShapeArray[0], x.ShapeArray[1], .. outShape]);
        PoolKernels.Avg(xc.FloatPtr, y.FloatPtr, planes, inDims, outDims, geom, countIncludePad, divisorOverride, backward: false);
        return Tensor.Record(y, geom is null ? OpKind.AdaptiveAvgPool : OpKind.AvgPool, new PoolCtx(inDims, outDims, geom, countIncludePad, divisorOverride), [x]);
    }

    internal static unsafe Tensor PoolBackward(Node node, Tensor g)
    {
        var ctx = (PoolCtx)node.Ctx!;
        var shape = node.InputShapes[0];
        var planes = shape[0] * shape[1];
        var gx = Tensor.Zeros(shape);
        using var gc = g.Contiguous();
        if (node.Kind is OpKind.MaxPool or OpKind.AdaptiveMaxPool)
        {
            var inSize = ctx.InDims[0] * ctx.InDims[1] * ctx.InDims[2];
            var outSize = ctx.OutDims[0] * ctx.OutDims[1] * ctx.OutDims[2];
            PoolKernels.MaxBackward(gc.FloatPtr, node.Saved[0].LongPtr, gx.FloatPtr, planes, inSize, outSize);
        }
        else
        {
            PoolKernels.Avg(gx.FloatPtr, gc.FloatPtr, planes, ctx.InDims, ctx.OutDims, ctx.Geometry, ctx.CountIncludePad, ctx.DivisorOverride, backward: true);
        }
        return gx;
    }
}
