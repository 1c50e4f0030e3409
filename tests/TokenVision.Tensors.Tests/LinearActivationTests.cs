using TokenVision.Tensors;
using TokenVision.Tensors.Kernels;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Tensors.Tests;

/// <summary>
/// <see cref="Tensor.LinearGelu"/> and <see cref="Tensor.LinearRelu"/> (activation in the GEMM epilogue when
/// nothing is recorded) give the same bits as <see cref="Tensor.Linear"/> followed by the standalone activation,
/// at every ISA level, and record the same gradients when gradients are needed.
/// </summary>
public class LinearActivationTests
{
    public static TheoryData<IsaLevel> Levels => new() { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Avx2, IsaLevel.Avx512 };

    // (rows, in, out): 1 row (the matrix-vector path), ragged row tiles, widths that are and are not multiples of
    // 16 (the latter fall back to the two operations), and a ViT-S fc1.
    private static readonly (int Rows, int In, int Out)[] s_shapes =
        [(1, 24, 64), (1, 24, 40), (3, 17, 16), (13, 40, 48), (13, 40, 56), (29, 64, 112), (197, 384, 1536)];

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                throw new Xunit.Sdk.XunitException($"{what}: element {i} expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Inference_MatchesLinearThenActivation_Bitwise(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        var g = new Generator(3);
        foreach (var (rows, inF, outF) in s_shapes)
        {
            // Scaled so the pre-activations cover both ranges of erf and the saturated tails.
            using var x0 = Tensor.Randn([rows, inF], g);
            using var x = x0 * 2f;
            using var w = Tensor.Randn([outF, inF], g);
            using var b = Tensor.Randn([outF], g);
            using var wt = Tensor.Randn([inF, outF], g);
            using var wView = wt.Transpose(0, 1);   // [out, in] with unit row stride: the untransposed GEMM operand
            using (Grad.Disabled())
            {
                foreach (var (weight, layout) in new[] { (w, "row-major"), (wView, "transposed view") })
                {
                    foreach (var bias in new[] { b, null })
                    {
                        var what = $"{level} {rows}x{inF}x{outF} {layout} bias {bias is not null}";
                        using var h = Tensor.Linear(x, weight, bias);
                        using var gelu = h.Gelu();
                        using var geluTanh = h.Gelu(tanhApproximation: true);
                        using var relu = h.Relu();
                        using var fusedGelu = Tensor.LinearGelu(x, weight, bias);
                        using var fusedTanh = Tensor.LinearGelu(x, weight, bias, tanhApproximation: true);
                        using var fusedRelu = Tensor.LinearRelu(x, weight, bias);
                        AssertBitwise(gelu.ToArray(), fusedGelu.ToArray(), $"GELU {what}");
                        AssertBitwise(geluTanh.ToArray(), fusedTanh.ToArray(), $"tanh GELU {what}");
                        AssertBitwise(relu.ToArray(), fusedRelu.ToArray(), $"ReLU {what}");
                    }
                }
            }
        }
    }

    [Fact]
    public void BatchedInput_KeepsLeadingDimensions()
    {
        var g = new Generator(4);
        using var x = Tensor.Randn([2, 5, 24], g);
        using var w = Tensor.Randn([32, 24], g);
        using (Grad.Disabled())
        {
            using var h = Tensor.Linear(x, w);
            using var expected = h.Gelu();
            using var fused = Tensor.LinearGelu(x, w);
            Assert.Equal(new[] { 2, 5, 32 }, fused.Shape.ToArray());
            AssertBitwise(expected.ToArray(), fused.ToArray(), "batched");
        }
    }

    [Fact]
    public void WithGradients_RecordsLinearAndGelu()
    {
        var g = new Generator(5);
        Tensor Leaf(params int[] shape)
        {
            var t = TensorScope.Detach(Tensor.Randn(shape, g));
            t.RequiresGrad = true;
            return t;
        }
        var x = Leaf(7, 24);
        var w = Leaf(32, 24);
        var b = Leaf(32);
        using var dy = Tensor.Randn([7, 32], g);
        float[][] Grads(Func<Tensor> f)
        {
            x.Grad = w.Grad = b.Grad = null;
            using var y = f();
            Assert.NotNull(y.GradFn);
            y.Backward(dy);
            return [y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray()];
        }
        var composite = Grads(() =>
        {
            using var h = Tensor.Linear(x, w, b);
            return h.Gelu();
        });
        var fused = Grads(() => Tensor.LinearGelu(x, w, b));
        for (var i = 0; i < composite.Length; i++)
            AssertBitwise(composite[i], fused[i], $"output/gradient {i}");
        GradCheck.Check(t => Tensor.LinearGelu(t[0], t[1], t[2]), [GradCheck.Leaf(g, -1, 1, 3, 5), GradCheck.Leaf(g, -1, 1, 16, 5), GradCheck.Leaf(g, -1, 1, 16)]);
    }
}
