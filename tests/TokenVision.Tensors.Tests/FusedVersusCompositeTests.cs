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
