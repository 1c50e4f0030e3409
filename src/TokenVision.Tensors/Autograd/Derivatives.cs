using TokenVision.Tensors.Kernels.Elementwise;

namespace TokenVision.Tensors.Autograd;

/// <summary>
/// The derivative table: for each <see cref="OpKind"/>, the gradients of its inputs given the gradient
/// <c>g</c> of its output. Runs with recording disabled; broadcast inputs get their gradient summed back to shape.
/// </summary>
internal static unsafe class Derivatives
{
    public static Tensor?[] Compute(Node n, Tensor g)
    {
        var s = n.Saved;
        return n.Kind switch
        {
            // Views and copies
            OpKind.View => [g.Reshape(n.InputShapes[0])],
            OpKind.Permute => [g.Permute(Inverse((int[])n.Ctx!))],
            OpKind.Slice => [SliceBackward(g, n.InputShapes[0], (Tensor.SliceCtx)n.Ctx!)],
            OpKind.Expand => [SumTo(g, n.InputShapes[0])],
            OpKind.Contiguous => [g.Detach()],

            // Binary
            OpKind.Add => [SumTo(g, n.InputShapes[0]), SumTo(g, n.InputShapes[1])],
            OpKind.Sub => [SumTo(g, n.InputShapes[0]), n.NeedsGrad(1) ? SumToOwned(g.Neg(), n.InputShapes[1]) : null],
            OpKind.Mul => [n.NeedsGrad(0) ? SumToOwned(g * s[1], n.InputShapes[0]) : null,
                           n.NeedsGrad(1) ? SumToOwned(g * s[0], n.InputShapes[1]) : null],
            OpKind.Div => [n.NeedsGrad(0) ? SumToOwned(g / s[1], n.InputShapes[0]) : null,
                           n.NeedsGrad(1) ? SumToOwned(DivOtherGrad(g, s[0], s[1]), n.InputShapes[1]) : null],
            OpKind.Pow => PowGrads(n, g),
            OpKind.Maximum => MaxMinGrads(n, g, max: true),
            OpKind.Minimum => MaxMinGrads(n, g, max: false),

            // With a scalar
            OpKind.AddScalar => [g],
            OpKind.MulScalar => [g.Mul((float)n.Ctx!)],
            OpKind.PowScalar => [PowScalarGrad(g, s[0], (float)n.Ctx!)],
            OpKind.RSubScalar => [g.Neg()],
            OpKind.RDivScalar => [RDivGrad(g, s[0], (float)n.Ctx!)],

            // Unary
            OpKind.Neg => [g.Neg()],
            OpKind.Exp => [g * s[0]],
            OpKind.Log => [g / s[0]],
            OpKind.Sqrt => [Scaled(g / s[0], 0.5f)],
            OpKind.Rsqrt => [RsqrtGrad(g, s[0])],
            OpKind.Abs => [Map<AbsGrad>(s[0], null, g)],
            OpKind.Sin => [Times(s[0].Cos(), g)],
            OpKind.Cos => [Scaled(Times(s[0].Sin(), g), -1f)],
            OpKind.Tanh => [Map<TanhGrad>(null, s[0], g)],
            OpKind.Sigmoid => [Map<SigmoidGrad>(null, s[0], g)],
            OpKind.Relu or OpKind.Gelu or OpKind.GeluTanh => [ActivationGrad(g, s[0], (Kernels.Fused.ActivationKind)n.Ctx!)],
            OpKind.Silu => [Map<SiluGrad>(s[0], null, g)],
            OpKind.Softplus => [Map<SoftplusGrad>(s[0], null, g)],
            OpKind.Erf => [Map<ErfGrad>(s[0], null, g)],
            OpKind.Clamp => [ClampGrad(g, s[0], ((float, float))n.Ctx!)],

            // Reductions
            OpKind.Sum => [ExpandBack(g, (int[])n.Ctx!, n.InputShapes[0])],
            OpKind.LogSumExp => [LogSumExpGrad(g, s[0], s[1], (int[])n.Ctx!)],
            OpKind.MaxReduce => [MaxReduceGrad(g, s[0], (int)n.Ctx!, n.InputShapes[0])],

            _ => Extended(n, g),
        };
    }

    /// <summary>Gradients of the operations defined in the other parts of the table.</summary>
    private static Tensor?[] Extended(Node n, Tensor g)
    {
        var s = n.Saved;
        return n.Kind switch
        {
            // Selection and indexing
            OpKind.MaskedFill => [g.MaskedFill(s[0], 0f)],
            OpKind.Where => WhereGrads(n, g),
            OpKind.IndexSelect => [IndexSelectGrad(g, s[0], (int)n.Ctx!, n.InputShapes[0])],
            OpKind.Gather => [ScatterInto(Tensor.Zeros(n.InputShapes[0]), (int)n.Ctx!, s[0], g)],
            OpKind.Scatter => [n.NeedsGrad(0) ? ScatterZeros(g, (int)n.Ctx!, s[0]) : null, n.NeedsGrad(1) ? GatherGrad(g, (int)n.Ctx!, s[0], n.InputShapes[1]) : null],
            OpKind.ScatterAdd => [n.NeedsGrad(0) ? g : null, n.NeedsGrad(1) ? GatherGrad(g, (int)n.Ctx!, s[0], n.InputShapes[1]) : null],

            // Shape
            OpKind.Cat => CatGrads(n, g),
            OpKind.Roll => [RollBack(g, ((int[], int[]))n.Ctx!)],
            OpKind.PadConstant => [PadBack(g, (int[])n.Ctx!, n.InputShapes[0])],

            // Linear algebra
            OpKind.MatMul => MatMulGrads(n, g),
            OpKind.Linear => LinearGrads(n, g),

            _ => Functional(n, g),
        };
    }

    private static Tensor?[] WhereGrads(Node n, Tensor g)
    {
        var cond = n.Saved[0];
        Tensor? ga = null, gb = null;
        if (n.NeedsGrad(0))
            using (var notCond = cond.LogicalNot())
                ga = SumToOwned(g.MaskedFill(notCond, 0f), n.InputShapes[0]);
        if (n.NeedsGrad(1))
            gb = SumToOwned(g.MaskedFill(cond, 0f), n.InputShapes[1]);
        return [ga, gb];
    }

    private static Tensor IndexSelectGrad(Tensor g, Tensor index, int dim, int[] inputShape)
    {
        // Expand the 1-D index to g's shape along dim and scatter-add.
        var shape = g.ShapeArray;
        var view = new int[shape.Length];
        Array.Fill(view, 1);
        view[dim] = shape[dim];
        using var iv = index.Reshape(view);
        using var ie = iv.Expand(shape);
        return ScatterInto(Tensor.Zeros(inputShape), dim, ie, g);
    }

    private static Tensor ScatterInto(Tensor target, int dim, Tensor index, Tensor source)
    {
        target.ScatterInPlace(dim, index, source, accumulate: true);
        return target;
    }

    private static Tensor ScatterZeros(Tensor g, int dim, Tensor index)
    {
        using var zeros = Tensor.Zeros(index.ShapeArray);
        return g.Scatter(dim, index, zeros);
    }

    private static Tensor GatherGrad(Tensor g, int dim, Tensor index, int[] sourceShape)
    {
        var gathered = g.Gather(dim, index);
        if (gathered.ShapeArray.AsSpan().SequenceEqual(sourceShape))
            return gathered;
        // The source may be larger than the index: its extra elements get no gradient.
        var result = Tensor.Zeros(sourceShape);
        Tensor.CopyRegion(gathered, result, new int[sourceShape.Length]);
        gathered.Dispose();
        return result;
    }

    private static Tensor?[] CatGrads(Node n, Tensor g)
    {
        var (dim, sizes) = ((int, int[]))n.Ctx!;
        var grads = new Tensor?[sizes.Length];
        var offset = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            if (n.NeedsGrad(i))
                grads[i] = g.Narrow(dim, offset, sizes[i]);
            offset += sizes[i];
        }
        return grads;
    }

    private static Tensor RollBack(Tensor g, (int[] Dims, int[] Shifts) ctx)
    {
        var back = new int[ctx.Shifts.Length];
        for (var i = 0; i < back.Length; i++)
        {
            var size = g.ShapeArray[ctx.Dims[i]];
            back[i] = size == 0 ? 0 : (size - ctx.Shifts[i]) % size;
        }
        return g.RollCopy(ctx.Dims, back);
    }

    private static Tensor PadBack(Tensor g, int[] before, int[] inputShape)
    {
        var result = Tensor.Zeros(inputShape);
        var offset = new int[before.Length];
        for (var i = 0; i < offset.Length; i++)
            offset[i] = -before[i];
        Tensor.CopyRegion(g, result, offset);
        return result;
    }

    private static Tensor?[] MatMulGrads(Node n, Tensor g)
    {
        var (a, b) = (n.Saved[0], n.Saved[1]);
        Tensor? ga = null, gb = null;
        if (n.NeedsGrad(0))
        {
            using var bt = b.MT;
            ga = SumToOwned(g.MatMul(bt), n.InputShapes[0]);
        }
        if (n.NeedsGrad(1))
        {
            using var at = a.MT;
            gb = SumToOwned(at.MatMul(g), n.InputShapes[1]);
        }
        return [ga, gb];
    }

    private static Tensor?[] LinearGrads(Node n, Tensor g)
    {
        var (x, w) = (n.Saved[0], n.Saved[1]);
        var outF = w.ShapeArray[0];
        var inF = w.ShapeArray[1];
        using var g2 = g.Reshape(-1, outF);
        Tensor? gx = null, gw = null, gb = null;
        if (n.NeedsGrad(0))
        {
            using var gx2 = g2.MatMul(w);
            gx = gx2.Reshape(n.InputShapes[0]);
        }
        if (n.NeedsGrad(1))
        {
            using var x2 = x.Reshape(-1, inF);
            using var gt = g2.MT;
            gw = gt.MatMul(x2);
        }
        if (n.NeedsGrad(2))
            gb = g2.Sum(0);
        return [gx, gw, gb];
    }

    /// <summary>Gradients of the neural-network functions (convolution, pooling, normalisation, attention).</summary>
    private static Tensor?[] Functional(Node n, Tensor g) => n.Kind switch
    {
        OpKind.Conv => TokenVision.Tensors.Functional.ConvBackward(n, g),
        OpKind.LayerNorm => TokenVision.Tensors.Functional.LayerNormBackward(n, g),
        OpKind.Attention => TokenVision.Tensors.Functional.AttentionBackward(n, g),
        OpKind.Softmax or OpKind.LogSoftmax => [TokenVision.Tensors.Functional.SoftmaxBackward(n, g)],
        OpKind.MaxPool or OpKind.AvgPool or OpKind.AdaptiveAvgPool or OpKind.AdaptiveMaxPool => [TokenVision.Tensors.Functional.PoolBackward(n, g)],
        _ => throw new InvalidOperationException($"internal autograd error: no derivative for {n.Kind}"),
    };

    // ---- helpers -----------------------------------------------------------------------------------------------

    /// <summary>temp * s, releasing the temporary.</summary>
    private static Tensor Scaled(Tensor temp, float s)
    {
        using (temp)
            return temp.Mul(s);
    }

    /// <summary>temp * g, releasing the temporary.</summary>
    private static Tensor Times(Tensor temp, Tensor g)
    {
        using (temp)
            return temp * g;
    }

    /// <summary><see cref="SumTo"/> of a temporary, releasing it when the sum is a new tensor.</summary>
    private static Tensor SumToOwned(Tensor temp, int[] shape)
    {
        var r = SumTo(temp, shape);
        if (!ReferenceEquals(r, temp))
            temp.Dispose();
        return r;
    }

    internal static int[] Inverse(int[] perm)
    {
        var inv = new int[perm.Length];
        for (var i = 0; i < perm.Length; i++)
            inv[perm[i]] = i;
        return inv;
    }

    /// <summary>Sums <paramref name="g"/> over the dimensions that broadcasting added or stretched, to <paramref name="shape"/>.</summary>
    internal static Tensor SumTo(Tensor g, int[] shape)
    {
        if (g.ShapeArray.AsSpan().SequenceEqual(shape))
            return g;
        var lead = g.Rank - shape.Length;
        var dims = new List<int>();
        for (var i = 0; i < g.Rank; i++)
        {
            if (i < lead || (shape[i - lead] == 1 && g.ShapeArray[i] != 1))
                dims.Add(i);
        }
        using var summed = g.Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    /// <summary>Broadcasts a reduced gradient back over the reduced dimensions.</summary>
    private static Tensor ExpandBack(Tensor g, int[] keepDimShape, int[] inputShape)
    {
        using var k = g.Reshape(keepDimShape);
        return k.Expand(inputShape);
    }

    private static Tensor SliceBackward(Tensor g, int[] inputShape, Tensor.SliceCtx ctx)
    {
        var result = Tensor.Zeros(inputShape);
        using var region = result.Slice(ctx.Dim, ctx.Start, ctx.Start + (g.ShapeArray[ctx.Dim] - 1) * ctx.Step + 1, ctx.Step);
        region.CopyFromUnchecked(g);
        return result;
    }

    private static Tensor DivOtherGrad(Tensor g, Tensor a, Tensor b)
    {
        // d(a/b)/db = -a / b^2
        using var q = a / b;
        using var qb = q / b;
        using var t = g * qb;
        return t.Neg();
    }

    private static Tensor?[] PowGrads(Node n, Tensor g)
    {
        var (a, b) = (n.Saved[0], n.Saved[1]);
        Tensor? ga = null, gb = null;
        if (n.NeedsGrad(0))
        {
            // b * a^(b-1), zero where b == 0
            using var bm1 = b.Add(-1f);
            using var p = a.Pow(bm1);
            using var bp = p * b;
            using var zero = b.Eq(0);
            using var safe = bp.MaskedFill(zero, 0f);
            using var t = g * safe;
            ga = SumToOwned(t.Identity(), n.InputShapes[0]);
        }
        if (n.NeedsGrad(1))
        {
            // a^b * log(a), zero where a == 0 and b >= 0
            using var p = a.Pow(b);
            using var la = a.Log();
            using var pl = p * la;
            using var az = a.Eq(0);
            using var bnn = b.Ge(0);
            using var mask = az.LogicalAnd(bnn);
            using var safe = pl.MaskedFill(mask, 0f);
            using var t = g * safe;
            gb = SumToOwned(t.Identity(), n.InputShapes[1]);
        }
        return [ga, gb];
    }

    private static Tensor?[] MaxMinGrads(Node n, Tensor g, bool max)
    {
        var (a, b) = (n.Saved[0], n.Saved[1]);
        // Ties split the gradient equally, as PyTorch does.
        using var eq = a.Eq(b);
        using var wins = max ? a.Gt(b) : a.Lt(b);
        using var winsF = wins.To(DType.Float32);
        using var eqF = eq.To(DType.Float32);
        using var half = eqF.Mul(0.5f);
        using var wa = winsF + half;
        Tensor? ga = null, gb = null;
        if (n.NeedsGrad(0))
        {
            using var t = g * wa;
            ga = SumToOwned(t.Identity(), n.InputShapes[0]);
        }
        if (n.NeedsGrad(1))
        {
            using var wb = wa.RSub(1f);
            using var t = g * wb;
            gb = SumToOwned(t.Identity(), n.InputShapes[1]);
        }
        return [ga, gb];
    }

    private static Tensor PowScalarGrad(Tensor g, Tensor x, float p)
    {
        if (p == 0)
            return Tensor.ZerosLike(x);
        if (p == 2)
        {
            using var t = g * x;
            return t.Mul(2f);
        }
        using var xp = x.Pow(p - 1);
        using var s = xp.Mul(p);
        return g * s;
    }

    private static Tensor RDivGrad(Tensor g, Tensor x, float s)
    {
        // d(s/x)/dx = -s / x^2
        using var x2 = x.Square();
        using var q = g / x2;
        return q.Mul(-s);
    }

    private static Tensor RsqrtGrad(Tensor g, Tensor y)
    {
        // d(x^-1/2)/dx = -1/2 y^3
        using var y3 = y.Pow(3f);
        using var t = g * y3;
        return t.Mul(-0.5f);
    }

    private static Tensor ClampGrad(Tensor g, Tensor x, (float Lo, float Hi) bounds)
    {
        using var ge = x.Ge(bounds.Lo);
        using var le = x.Le(bounds.Hi);
        using var inside = ge.LogicalAnd(le);
        using var outside = inside.LogicalNot();
        return g.MaskedFill(outside, 0f);
    }

    private static Tensor LogSumExpGrad(Tensor g, Tensor x, Tensor outKeep, int[] keepDimShape)
    {
        // d/dx logsumexp = softmax = exp(x - out)
        using var d = x - outKeep;
        using var e = d.Exp();
        using var gk = g.Reshape(keepDimShape);
        return e * gk;
    }

    private static Tensor MaxReduceGrad(Tensor g, Tensor indicesKeep, int dim, int[] inputShape)
    {
        var result = Tensor.Zeros(inputShape);
        using var gk = g.Reshape(indicesKeep.ShapeArray);
        result.ScatterInPlace(dim, indicesKeep, gk, accumulate: false);
        return result;
    }

    /// <summary>dx = dy · act'(x) through the fused activation kernel.</summary>
    private static Tensor ActivationGrad(Tensor g, Tensor x, Kernels.Fused.ActivationKind kind)
    {
        using var gc = g.Contiguous();
        var dx = Tensor.Empty(g.ShapeArray);
        Kernels.Fused.Activation.Backward(Kernels.Isa.Current, kind, x.FloatPtr, gc.FloatPtr, dx.FloatPtr, dx.NumElements);
        return dx;
    }

    /// <summary>dx = TOp.Grad(x, y, g) elementwise over contiguous copies.</summary>
    private static Tensor Map<TOp>(Tensor? x, Tensor? y, Tensor g) where TOp : struct, IGradOp
    {
        using var gc = g.Contiguous();
        using var xc = x?.Contiguous();
        using var yc = y?.Contiguous();
        var dx = Tensor.Empty(g.ShapeArray);
        GradKernel.Run<TOp>(xc is null ? null : xc.FloatPtr, yc is null ? null : yc.FloatPtr, gc.FloatPtr, dx.FloatPtr, dx.NumElements);
        return dx;
    }
}
