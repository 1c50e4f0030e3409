using TokenVision.Tensors.Autograd;

namespace TokenVision.Tensors;

public static partial class Functional
{
    /// <summary>
    /// Layer normalisation over the last <paramref name="normalizedShape"/>.Length dimensions:
    /// (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance. One fused pass per row, with its own
    /// backward; <paramref name="weight"/> and <paramref name="bias"/> have the normalized shape.
    /// </summary>
    public static unsafe Tensor LayerNorm(Tensor x, ReadOnlySpan<int> normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        x.RequireFloat("LayerNorm");
        var k = normalizedShape.Length;
        if (k == 0 || k > x.Rank || !x.ShapeArray.AsSpan(x.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"LayerNorm: input {x.Shape} does not end in the normalized shape {Tensor.FormatShape(normalizedShape)}");
        var cols = 1;
        foreach (var d in normalizedShape)
            cols *= d;
        foreach (var (p, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (p is not null && p.NumElements != cols)
                throw new ArgumentException($"LayerNorm: {name} {p.Shape} does not match the normalized shape {Tensor.FormatShape(normalizedShape)}");
        var rows = cols == 0 ? 0 : x.NumElements / cols;
        using var xc = x.Contiguous();
        using var wc = weight?.Contiguous();
        using var bc = bias?.Contiguous();
        var y = Tensor.Empty(x.ShapeArray);
        var record = Tensor.WillRecord(x) || (weight?.RequiresGrad ?? false) || (bias?.RequiresGrad ?? false);
        record &= Grad.IsEnabled;
        using var mean = record ? Tensor.Empty([rows]) : null;
        using var rstd = record ? Tensor.Empty([rows]) : null;
        Kernels.Fused.LayerNorm.Forward(Kernels.Isa.Current, xc.FloatPtr, wc is null ? null : wc.FloatPtr, bc is null ? null : bc.FloatPtr,
            y.FloatPtr, mean is null ? null : mean.FloatPtr, rstd is null ? null : rstd.FloatPtr, rows, cols, eps);
        if (!record)
            return y;
        Tensor[] saved = wc is null ? [xc, mean!, rstd!] : [xc, mean!, rstd!, wc];
        return Tensor.Record(y, OpKind.LayerNorm, new LayerNormCtx(rows, cols), [x, weight, bias], saved);
    }

    internal sealed record LayerNormCtx(int Rows, int Cols);

    internal static unsafe Tensor?[] LayerNormBackward(Node node, Tensor g)
    {
        var ctx = (LayerNormCtx)node.Ctx!;
        var s = node.Saved;
        var (x, mean, rstd) = (s[0], s[1], s[2]);
        var gamma = s.Length > 3 ? s[3] : null;
        using var gc = g.Contiguous();
        var dx = node.NeedsGrad(0) ? Tensor.Empty(node.InputShapes[0]) : null;
        var dgamma = node.NeedsGrad(1) ? Tensor.Empty(node.InputShapes[1]) : null;
        var dbeta = node.NeedsGrad(2) ? Tensor.Empty(node.InputShapes[2]) : null;
        // The kernel always writes dx; a scratch buffer stands in when x needs no gradient.
        using var scratch = dx is null ? Tensor.Empty(node.InputShapes[0]) : null;
        Kernels.Fused.LayerNorm.Backward(Kernels.Isa.Current, x.FloatPtr, gamma is null ? null : gamma.FloatPtr, mean.FloatPtr, rstd.FloatPtr,
            gc.FloatPtr, (dx ?? scratch!).FloatPtr, dgamma is null ? null : dgamma.FloatPtr, dbeta is null ? null : dbeta.FloatPtr,
            ctx.Rows, ctx.Cols, accumulate: false);
        return [dx, dgamma, dbeta];
    }

    /// <summary>
    /// Batch normalisation over dimension 1 of [N, C, ...]. In training the batch statistics normalise the input
    /// and update <paramref name="runningMean"/>/<paramref name="runningVar"/> in place with
    /// <paramref name="momentum"/> (running variance uses the unbiased estimate, as PyTorch); in evaluation the
    /// running statistics are used.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        if (x.Rank < 2)
            throw new ArgumentException($"BatchNorm: input must be [N, C, ...], got {x.Shape}");
        var c = x.ShapeArray[1];
        var statShape = new int[x.Rank];
        Array.Fill(statShape, 1);
        statShape[1] = c;
        var dims = Enumerable.Range(0, x.Rank).Where(d => d != 1).ToArray();
        Tensor mean, rstd;
        if (training || runningMean is null || runningVar is null)
        {
            var n = x.NumElements / Math.Max(c, 1);
            if (training && n <= 1)
                throw new ArgumentException($"BatchNorm: expected more than one value per channel when training, got input {x.Shape}");
            mean = x.Mean(dims, keepDim: true);
            using var centered0 = x - mean;
            using var sq = centered0.Square();
            using var variance = sq.Mean(dims, keepDim: true);
            using (var veps = variance.Add(eps))
                rstd = veps.Rsqrt();
            if (training && runningMean is not null && runningVar is not null)
            {
                using var noGrad = Grad.Disabled();
                using var m = mean.Reshape(c);
                using var unbiased = variance.Reshape(c).Mul((float)n / Math.Max(n - 1, 1));
                using var rm = runningMean.Mul(1 - momentum);
                using var rm2 = rm.Add(m, momentum);
                runningMean.Copy_(rm2);
                using var rv = runningVar.Mul(1 - momentum);
                using var rv2 = rv.Add(unbiased, momentum);
                runningVar.Copy_(rv2);
            }
        }
        else
        {
            mean = runningMean.Reshape(statShape);
            using var rv = runningVar.Reshape(statShape);
            using var veps = rv.Add(eps);
            rstd = veps.Rsqrt();
        }
        using (mean)
        using (rstd)
        {
            using var centered = x - mean;
            var y = centered * rstd;
            if (weight is not null)
            {
                using var w = weight.Reshape(statShape);
                using var yw = y;
                y = yw * w;
            }
            if (bias is not null)
            {
                using var b = bias.Reshape(statShape);
                using var yb = y;
                y = yb + b;
            }
            return y;
        }
    }

    /// <summary>Group normalisation of [N, C, ...] over groups of C / <paramref name="numGroups"/> channels.</summary>
    public static Tensor GroupNorm(Tensor x, int numGroups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        if (x.Rank < 2)
            throw new ArgumentException($"GroupNorm: input must be [N, C, ...], got {x.Shape}");
        var n = x.ShapeArray[0];
        var c = x.ShapeArray[1];
        if (numGroups <= 0 || c % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {c} channels cannot be split into {numGroups} groups");
        using var grouped = x.Reshape(n, numGroups, -1);
        using var normalized = LayerNorm(grouped, [grouped.ShapeArray[2]], null, null, eps);
        var y = normalized.Reshape(x.ShapeArray);
        var statShape = new int[x.Rank];
        Array.Fill(statShape, 1);
        statShape[1] = c;
        if (weight is not null)
        {
            using var w = weight.Reshape(statShape);
            using var yw = y;
            y = yw * w;
        }
        if (bias is not null)
        {
            using var b = bias.Reshape(statShape);
            using var yb = y;
            y = yb + b;
        }
        return y;
    }
}
