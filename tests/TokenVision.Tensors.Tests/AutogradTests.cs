using TokenVision.Tensors;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Tensors.Tests;

public class AutogradTests
{
    private static readonly Generator s_gen = new(11);

    private static Tensor Leaf(float low, float high, params int[] shape) => GradCheck.Leaf(s_gen, low, high, shape);

    public static TheoryData<string> UnaryOps => new(Unary.Keys);

    private static readonly Dictionary<string, (Func<Tensor, Tensor> F, float Low, float High)> Unary = new()
    {
        ["neg"] = (x => x.Neg(), -2, 2),
        ["exp"] = (x => x.Exp(), -2, 2),
        ["log"] = (x => x.Log(), 0.5f, 3),
        ["sqrt"] = (x => x.Sqrt(), 0.5f, 3),
        ["rsqrt"] = (x => x.Rsqrt(), 0.5f, 3),
        ["abs"] = (x => x.Abs(), 0.2f, 2),
        ["sin"] = (x => x.Sin(), -2, 2),
        ["cos"] = (x => x.Cos(), -2, 2),
        ["tanh"] = (x => x.Tanh(), -2, 2),
        ["sigmoid"] = (x => x.Sigmoid(), -3, 3),
        ["relu"] = (x => x.Relu(), 0.1f, 2),
        ["gelu"] = (x => x.Gelu(), -3, 3),
        ["gelu_tanh"] = (x => x.Gelu(true), -3, 3),
        ["silu"] = (x => x.Silu(), -3, 3),
        ["softplus"] = (x => x.Softplus(), -3, 3),
        ["erf"] = (x => x.Erf(), -2, 2),
        ["clamp"] = (x => x.Clamp(-0.5f, 0.5f), -0.4f, 0.4f),
        ["pow_scalar"] = (x => x.Pow(3f), 0.5f, 2),
        ["rdiv"] = (x => x.RDiv(2f), 0.5f, 2),
        ["rsub"] = (x => x.RSub(2f), -1, 1),
        ["mul_scalar"] = (x => x.Mul(-1.5f), -1, 1),
        ["add_scalar"] = (x => x.Add(3f), -1, 1),
        ["square"] = (x => x.Square(), -1, 1),
    };

    [Theory, MemberData(nameof(UnaryOps))]
    public void Unary_GradientMatchesFiniteDifferences(string name)
    {
        var (f, lo, hi) = Unary[name];
        GradCheck.Check(x => f(x[0]), [Leaf(lo, hi, 3, 5)]);
    }

    public static TheoryData<string> BinaryOps => new(Binary.Keys);

    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor>> Binary = new()
    {
        ["add"] = (a, b) => a + b,
        ["sub"] = (a, b) => a - b,
        ["mul"] = (a, b) => a * b,
        ["div"] = (a, b) => a / b,
        ["pow"] = (a, b) => a.Pow(b),
        ["maximum"] = (a, b) => a.Maximum(b),
        ["minimum"] = (a, b) => a.Minimum(b),
    };

    [Theory, MemberData(nameof(BinaryOps))]
    public void Binary_WithBroadcasting_GradientMatches(string name)
    {
        var f = Binary[name];
        GradCheck.Check(x => f(x[0], x[1]), [Leaf(0.5f, 2, 2, 3, 4), Leaf(0.6f, 1.9f, 3, 1)]);
    }

    [Fact]
    public void Reductions_GradientsMatch()
    {
        GradCheck.Check(x => x[0].Sum([0, 2]), [Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(x => x[0].Mean([1], keepDim: true), [Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(x => x[0].Var([2]), [Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(x => x[0].Std([0, 1]), [Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(x => x[0].LogSumExp(1), [Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(x => x[0].Max(1).Values, [GradCheck.Spaced(s_gen, 2, 5)]);
        GradCheck.Check(x => x[0].Amax([0, 1]), [GradCheck.Spaced(s_gen, 2, 3, 2)]);
        GradCheck.Check(x => x[0].Norm(), [Leaf(-1, 1, 2, 3)]);
        GradCheck.Check(x => x[0].Norm(3, [1]), [Leaf(0.3f, 1, 2, 3)]);
    }

    [Fact]
    public void Views_GradientsMatch()
    {
        GradCheck.Check(x => x[0].Permute(2, 0, 1).Reshape(4, 6), [Leaf(-1, 1, 2, 3, 4)]);
        GradCheck.Check(x => x[0].Slice(1, 0, 3, 2) * x[0].Slice(1, 1, 3, 1), [Leaf(-1, 1, 2, 3)]);
        GradCheck.Check(x => x[0].Expand(3, 2, 4) * x[1], [Leaf(-1, 1, 2, 1), Leaf(-1, 1, 3, 2, 4)]);
        GradCheck.Check(x => x[0].Transpose(0, 1).Contiguous().Flatten(), [Leaf(-1, 1, 3, 2)]);
        GradCheck.Check(x => x[0].Select(1, 2).Unsqueeze(0), [Leaf(-1, 1, 3, 4)]);
    }

    [Fact]
    public void Indexing_GradientsMatch()
    {
        using var idx = Tensor.FromArray([2L, 0, 2], 3);
        GradCheck.Check(x => x[0].IndexSelect(1, idx), [Leaf(-1, 1, 2, 3)]);
        using var gi = Tensor.FromArray([1L, 0, 1, 1], 2, 2);
        GradCheck.Check(x => x[0].Gather(1, gi), [Leaf(-1, 1, 2, 3)]);
        GradCheck.Check(x => x[0].ScatterAdd(1, gi, x[1]), [Leaf(-1, 1, 2, 3), Leaf(-1, 1, 2, 2)]);
        using var si = Tensor.FromArray([1L, 0, 2, 1], 2, 2);
        GradCheck.Check(x => x[0].Scatter(1, si, x[1]), [Leaf(-1, 1, 2, 3), Leaf(-1, 1, 2, 2)]);
        using var mask = Tensor.FromArray([true, false, true, false, false, true], 2, 3);
        GradCheck.Check(x => x[0].MaskedFill(mask, 5f), [Leaf(-1, 1, 2, 3)]);
        GradCheck.Check(x => Tensor.Where(mask, x[0], x[1]), [Leaf(-1, 1, 2, 3), Leaf(-1, 1, 1, 3)]);
        GradCheck.Check(x => x[0].TopK(2, 1).Values, [GradCheck.Spaced(s_gen, 2, 5)]);
        using var ti = Tensor.FromArray([1L, 0], 2, 1);
        GradCheck.Check(x => x[0].TakeAlongDim(ti, 1), [Leaf(-1, 1, 2, 3)]);
    }

    [Fact]
    public void ShapeOps_GradientsMatch()
    {
        GradCheck.Check(x => Tensor.Cat([x[0], x[1]], 1), [Leaf(-1, 1, 2, 2), Leaf(-1, 1, 2, 3)]);
        GradCheck.Check(x => Tensor.Stack([x[0], x[0] * x[0]], 0), [Leaf(-1, 1, 2, 2)]);
        GradCheck.Check(x => x[0].Roll([1, 2], [0, 1]), [Leaf(-1, 1, 3, 4)]);
        GradCheck.Check(x => x[0].Pad([1, 2, -1, 1], 3f), [Leaf(-1, 1, 3, 4)]);
        GradCheck.Check(x => x[0].PadReflect([2, 1, 1, 1]), [Leaf(-1, 1, 3, 4)]);
        GradCheck.Check(x => x[0].Repeat(2, 1, 3), [Leaf(-1, 1, 2, 2)]);
        GradCheck.Check(x => x[0].Flip(0, 1), [Leaf(-1, 1, 2, 3)]);
        GradCheck.Check(x => x[0].Chunk(2, 1)[1] * 2f, [Leaf(-1, 1, 2, 5)]);
    }

    [Fact]
    public void MatMulAndLinear_GradientsMatch()
    {
        GradCheck.Check(x => x[0].MatMul(x[1]), [Leaf(-1, 1, 2, 3, 4), Leaf(-1, 1, 4, 5)]);
        GradCheck.Check(x => x[0].MatMul(x[1].MT), [Leaf(-1, 1, 3, 4), Leaf(-1, 1, 2, 5, 4)]);
        GradCheck.Check(x => x[0].MatMul(x[1]), [Leaf(-1, 1, 4), Leaf(-1, 1, 4, 3)]);
        GradCheck.Check(x => Tensor.Linear(x[0], x[1], x[2]), [Leaf(-1, 1, 2, 3, 4), Leaf(-1, 1, 5, 4), Leaf(-1, 1, 5)]);
    }

    [Fact]
    public void Gradients_Accumulate_AcrossBackwardCalls()
    {
        var x = Leaf(1, 2, 3);
        using (var y = (x * x).Sum())
            y.Backward();
        var first = x.Grad!.ToArray();
        using (var y = (x * x).Sum())
            y.Backward();
        var second = x.Grad!.ToArray();
        for (var i = 0; i < 3; i++)
            Assert.Equal(2 * first[i], second[i], 5);
    }

    [Fact]
    public void SharedSubexpression_GetsSummedGradient()
    {
        var x = Leaf(1, 2, 4);
        using var y = x.Exp();
        using var z = (y * y + y).Sum();
        z.Backward();
        var xs = x.ToArray();
        var g = x.Grad!.ToArray();
        for (var i = 0; i < 4; i++)
            Assert.Equal(2 * Math.Exp(2 * xs[i]) + Math.Exp(xs[i]), g[i], 3);
    }

    [Fact]
    public void SecondBackward_WithoutRetainGraph_Throws()
    {
        var x = Leaf(1, 2, 3);
        using var y = (x.Exp() * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("second time", e.Message);
    }

    [Fact]
    public void InPlaceModification_OfSavedTensor_IsDetected()
    {
        var x = Leaf(1, 2, 3);
        using var a = x * 2f;
        using var b = a.Exp();          // saves its output
        using var c = b * a;            // saves a and b
        using (Grad.Disabled())
            b.Add_(1f);
        using var s = c.Sum();
        var e = Assert.Throws<InvalidOperationException>(() => s.Backward());
        Assert.Contains("in-place", e.Message);
    }

    [Fact]
    public void InPlace_OnTensorThatRequiresGrad_IsRefused()
    {
        var x = Leaf(1, 2, 3);
        Assert.Throws<InvalidOperationException>(() => x.Add_(1f));
        using (Grad.Disabled())
            x.Add_(1f);
    }

    [Fact]
    public void NoGrad_RecordsNothing()
    {
        var x = Leaf(1, 2, 3);
        Tensor y;
        using (Grad.Disabled())
            y = x * 2f;
        Assert.False(y.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        using var d = (x * 2f).Detach();
        Assert.False(d.RequiresGrad);
    }

    [Fact]
    public void Backward_WithExplicitGradient()
    {
        var x = Leaf(1, 2, 2, 2);
        using var y = x * 3f;
        using var g = Tensor.FromArray([1f, 2, 3, 4], 2, 2);
        y.Backward(g);
        Assert.Equal(new[] { 3f, 6, 9, 12 }, x.Grad!.ToArray());
        Assert.Throws<InvalidOperationException>(() => (x * 1f).Backward());
    }

    [Fact]
    public void Scope_ReleasesTemporaries_ButKeepsLeafGradients()
    {
        var x = Leaf(1, 2, 8);
        Tensor y;
        using (var scope = TensorScope.Begin())
        {
            y = (x.Exp() * x).Sum();
            y.Backward();
            Assert.True(scope.Count > 0);
        }
        Assert.True(y.IsDisposed);
        Assert.False(x.Grad!.IsDisposed);
        Assert.Equal(8, x.Grad.ToArray().Length);
    }
}
