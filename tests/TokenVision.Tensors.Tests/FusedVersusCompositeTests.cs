using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Tensors.Tests;

/// <summary>Fused layer norm and softmax (own backward) agree with their composite definitions, forward and backward.</summary>
public class FusedVersusCompositeTests
{
    private static Tensor CompositeLayerNorm(Tensor x, Tensor w, Tensor b, float eps)
    {
        using var mean = x.Mean([-1], keepDim: true);
        using var centered = x - mean;
        using var variance = centered.Square().Mean([-1], keepDim: true);
        using var rstd = variance.Add(eps).Rsqrt();
        return centered * rstd * w + b;
    }

    private static Tensor CompositeSoftmax(Tensor x, int dim)
    {
        using var max = x.Detach().Amax([dim], keepDim: true);
        using var e = (x - max).Exp();
        return e / e.Sum(dim, keepDim: true);
    }

    private static (float[] Y, float[][] Grads) Run(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor dy)
    {
        foreach (var t in inputs)
            t.Grad = null;
        using var y = f(inputs);
        y.Backward(dy);
        return (y.ToArray(), inputs.Select(t => t.Grad!.ToArray()).ToArray());
    }

    private static Tensor Leaf(Generator g, params int[] shape)
    {
        var t = TensorScope.Detach(Tensor.Randn(shape, g));
        t.RequiresGrad = true;
        return t;
    }

    private static void Close(float[] a, float[] b, double tol)
    {
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= tol * (1 + Math.Abs(a[i])), $"element {i}: {a[i]} vs {b[i]}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 17)]
    [InlineData(64, 384)]
    [InlineData(5, 1000)]
    public void LayerNorm(int rows, int cols)
    {
        var g = new Generator(1);
        Tensor[] inputs = [Leaf(g, 2, rows, cols), Leaf(g, cols), Leaf(g, cols)];
        using var dy = Tensor.Randn([2, rows, cols], g);
        var fused = Run(t => Functional.LayerNorm(t[0], [cols], t[1], t[2], 1e-5f), inputs, dy);
        var composite = Run(t => CompositeLayerNorm(t[0], t[1], t[2], 1e-5f), inputs, dy);
        Close(composite.Y, fused.Y, 1e-5);
        for (var i = 0; i < 3; i++)
            Close(composite.Grads[i], fused.Grads[i], 2e-4);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(0)]
    public void SoftmaxAndLogSoftmax(int dim)
    {
        var g = new Generator(2);
        Tensor[] inputs = [Leaf(g, 4, 7, 33)];
        using var dy = Tensor.Randn([4, 7, 33], g);
        var fused = Run(t => Functional.Softmax(t[0], dim), inputs, dy);
        var composite = Run(t => CompositeSoftmax(t[0], dim), inputs, dy);
        Close(composite.Y, fused.Y, 1e-6);
        Close(composite.Grads[0], fused.Grads[0], 1e-5);
        var fusedLog = Run(t => Functional.LogSoftmax(t[0], dim), inputs, dy);
        var compositeLog = Run(t => t[0] - t[0].LogSumExp([dim], keepDim: true), inputs, dy);
        Close(compositeLog.Y, fusedLog.Y, 1e-5);
        Close(compositeLog.Grads[0], fusedLog.Grads[0], 1e-5);
    }
}

public class FusedAttentionOpTests
{
    private static Tensor Leaf(Generator g, params int[] shape)
    {
        var t = TensorScope.Detach(Tensor.Randn(shape, g));
        t.RequiresGrad = true;
        return t;
    }

    private static Tensor Explicit(Tensor q, Tensor k, Tensor v, Tensor? mask, float scale)
    {
        var scores = q.MatMul(k.MT).Mul(scale);
        if (mask is not null)
            scores = mask.DType == DType.Bool ? scores.MaskedFill(mask.LogicalNot(), float.NegativeInfinity) : scores + mask;
        var e = (scores - scores.Detach().Amax([-1], keepDim: true)).Exp();
        return (e / e.Sum(-1, keepDim: true)).MatMul(v);
    }

    [Theory]
    [InlineData(4, false, false)]
    [InlineData(4, true, false)]
    [InlineData(4, false, true)]
    [InlineData(3, true, false)]
    public void MatchesExplicitSoftmax_ForwardAndBackward(int rank, bool bias, bool boolMask)
    {
        var g = new Generator(5);
        int[] lead = rank == 4 ? [2, 3] : [2];
        var q = Leaf(g, [.. lead, 9, 8]);
        var k = Leaf(g, [.. lead, 11, 8]);
        var v = Leaf(g, [.. lead, 11, 5]);
        Tensor? mask = null;
        if (bias)
            mask = Leaf(g, rank == 4 ? [3, 9, 11] : [9, 11]);
        if (boolMask)
            mask = Tensor.FromArray(Enumerable.Range(0, 99).Select(i => i % 7 != 3).ToArray(), 9, 11);
        using var dy = Tensor.Randn([.. lead, 9, 5], g);
        var inputs = new List<Tensor> { q, k, v };
        if (bias)
            inputs.Add(mask!);
        (float[] Y, float[][] G) Run(Func<Tensor> f)
        {
            foreach (var t in inputs)
                t.Grad = null;
            using var scope = TensorScope.Begin();
            var y = f();
            y.Backward(dy);
            return (y.ToArray(), inputs.Select(t => t.Grad!.ToArray()).ToArray());
        }
        var fused = Run(() => Functional.ScaledDotProductAttention(q, k, v, mask));
        var reference = Run(() => Explicit(q, k, v, mask, 1 / MathF.Sqrt(8)));
        void Close(float[] a, float[] b)
        {
            for (var i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * (1 + Math.Abs(a[i])), $"element {i}: {a[i]} vs {b[i]}");
        }
        Close(reference.Y, fused.Y);
        for (var i = 0; i < inputs.Count; i++)
            Close(reference.G[i], fused.G[i]);
    }

    [Fact]
    public void ReadsPackedQkvViewsInPlace()
    {
        var g = new Generator(6);
        using var qkv = Tensor.Randn([2, 7, 3, 4, 8], g);
        using var perm = qkv.Permute(2, 0, 3, 1, 4);
        using var q = perm.Select(0, 0);
        using var k = perm.Select(0, 1);
        using var v = perm.Select(0, 2);
        Assert.False(q.IsContiguous);
        using var fused = Functional.ScaledDotProductAttention(q, k, v);
        using var expected = Explicit(q.Contiguous(), k.Contiguous(), v.Contiguous(), null, 1 / MathF.Sqrt(8));
        var (a, b) = (expected.ToArray(), fused.ToArray());
        for (var i = 0; i < a.Length; i++)
            Assert.Equal(a[i], b[i], 1e-5);
    }
}
