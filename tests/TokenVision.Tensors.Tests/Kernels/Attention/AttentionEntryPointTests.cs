using TokenVision.Tensors.Kernels;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>
/// The Functional entry points: the merged-heads output ([B, Nq, H·dv] written in place), inference without the
/// log-sum-exp, and q, k, v read as strided views of a packed qkv projection — forward, backward, every ISA level.
/// </summary>
public sealed class AttentionEntryPointTests
{
    public static TheoryData<IsaLevel, bool> LevelsAndMasks()
    {
        var data = new TheoryData<IsaLevel, bool>();
        foreach (var level in AttentionCases.Levels)
        {
            data.Add(level, false);
            data.Add(level, true);
        }
        return data;
    }

    private static Tensor Leaf(Tensor t)
    {
        var leaf = TensorScope.Detach(t);
        leaf.RequiresGrad = true;
        return leaf;
    }

    /// <summary>q, k, v as the ViT block makes them: slices of qkv [B, N, 3, H, d] permuted to [3, B, H, N, d].</summary>
    private static (Tensor Q, Tensor K, Tensor V) Split(Tensor qkv)
    {
        using var perm = qkv.Permute(2, 0, 3, 1, 4);
        return (perm.Select(0, 0), perm.Select(0, 1), perm.Select(0, 2));
    }

    [Theory, MemberData(nameof(LevelsAndMasks))]
    public void MergedHeads_IsTheTransposedOutput_BitForBit_ForwardAndBackward(IsaLevel level, bool bias)
    {
        using var _ = Isa.Force(level);
        var g = new Generator(41);
        const int B = 2, N = 23, H = 3, D = 16;
        var qkv = Leaf(Tensor.Randn([B, N, 3, H, D], g));
        var mask = bias ? Leaf(Tensor.Randn([H, N, N], g)) : null;
        using var dy = Tensor.Randn([B, N, H * D], g);
        Tensor[] inputs = mask is null ? [qkv] : [qkv, mask];

        (float[] Y, float[][] G) Run(bool merged)
        {
            foreach (var t in inputs)
                t.Grad = null;
            using var scope = TensorScope.Begin();
            var (q, k, v) = Split(qkv);
            Tensor y;
            if (merged)
            {
                y = Functional.ScaledDotProductAttentionMergedHeads(q, k, v, mask);
                Assert.True(y.IsContiguous);
            }
            else
            {
                y = Functional.ScaledDotProductAttention(q, k, v, mask).Transpose(1, 2).Reshape(B, N, H * D);
            }
            Assert.Equal([B, N, H * D], y.Shape.ToArray());
            y.Backward(dy);
            return (y.ToArray(), inputs.Select(t => t.Grad!.ToArray()).ToArray());
        }

        var merged = Run(merged: true);
        var separate = Run(merged: false);
        AttentionAssert.Identical(separate.Y, merged.Y, $"O ({level})");
        for (var i = 0; i < inputs.Length; i++)
            AttentionAssert.Identical(separate.G[i], merged.G[i], $"grad {i} ({level})");

        // Against the double-precision reference, per head.
        var (qr, kr, vr) = Split(qkv);
        using (qr)
        using (kr)
        using (vr)
        {
            using var qc = qr.Contiguous();
            using var kc = kr.Contiguous();
            using var vc = vr.Contiguous();
            var expected = Reference(qc.ToArray(), kc.ToArray(), vc.ToArray(), mask?.ToArray(), B, H, N, D);
            AttentionAssert.Close(expected, merged.Y, 2e-6, 2e-5, $"O vs reference ({level})");
        }
    }

    [Theory, MemberData(nameof(LevelsAndMasks))]
    public void Inference_SkipsTheLogSumExp_AndGivesTheSameBits(IsaLevel level, bool bias)
    {
        using var _ = Isa.Force(level);
        var g = new Generator(42);
        var q = Leaf(Tensor.Randn([2, 3, 19, 8], g));
        var k = Leaf(Tensor.Randn([2, 3, 21, 8], g));
        var v = Leaf(Tensor.Randn([2, 3, 21, 8], g));
        var mask = bias ? Leaf(Tensor.Randn([3, 19, 21], g)) : null;
        using var scope = TensorScope.Begin();
        var recorded = Functional.ScaledDotProductAttention(q, k, v, mask);
        Assert.NotNull(recorded.GradFn);
        Tensor inferred, inferredMerged;
        using (Grad.Disabled())
        {
            inferred = Functional.ScaledDotProductAttention(q, k, v, mask);
            inferredMerged = Functional.ScaledDotProductAttentionMergedHeads(q, k, v, mask);
        }
        Assert.Null(inferred.GradFn);
        Assert.Null(inferredMerged.GradFn);
        AttentionAssert.Identical(recorded.ToArray(), inferred.ToArray(), $"O ({level})");
        using var t = recorded.Transpose(1, 2);
        AttentionAssert.Identical(t.Reshape(2, 19, 24).ToArray(), inferredMerged.ToArray(), $"merged O ({level})");
    }

    [Fact]
    public void MergedHeads_GradientsMatchFiniteDifferences()
    {
        var g = new Generator(43);
        var qkv = Leaf(Tensor.Randn([2, 5, 3, 2, 4], g));
        var bias = Leaf(Tensor.Randn([2, 5, 5], g));
        GradCheck.Check(x =>
        {
            var (q, k, v) = Split(x[0]);
            using (q)
            using (k)
            using (v)
                return Functional.ScaledDotProductAttentionMergedHeads(q, k, v, x[1]);
        }, [qkv, bias]);
    }

    [Fact]
    public void MergedHeads_WithDropout_FallsBackToTheExplicitPath()
    {
        var g = new Generator(44);
        using var q = Tensor.Randn([1, 2, 6, 4], g);
        using var k = Tensor.Randn([1, 2, 6, 4], g);
        using var v = Tensor.Randn([1, 2, 6, 4], g);
        using var a = Functional.ScaledDotProductAttentionMergedHeads(q, k, v, dropoutP: 0.5f, generator: new Generator(1));
        using var b = Functional.ScaledDotProductAttention(q, k, v, dropoutP: 0.5f, generator: new Generator(1));
        using var t = b.Transpose(1, 2);
        AttentionAssert.Identical(t.Reshape(1, 6, 8).ToArray(), a.ToArray(), "dropout");
    }

    [Fact]
    public void MergedHeads_RejectsOtherRanks()
    {
        using var q = Tensor.Zeros(2, 6, 4);
        Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttentionMergedHeads(q, q, q));
    }

    /// <summary>softmax(q·kᵀ/√d + bias)·v in double, as [B, N, H·d].</summary>
    private static float[] Reference(float[] q, float[] k, float[] v, float[]? bias, int b, int h, int n, int d)
    {
        var result = new float[b * n * h * d];
        var scale = 1 / Math.Sqrt(d);
        var p = new double[n];
        for (var bi = 0; bi < b; bi++)
        {
            for (var hi = 0; hi < h; hi++)
            {
                var head = (bi * h + hi) * n * d;
                for (var i = 0; i < n; i++)
                {
                    var max = double.NegativeInfinity;
                    for (var j = 0; j < n; j++)
                    {
                        var s = 0.0;
                        for (var c = 0; c < d; c++)
                            s += (double)q[head + i * d + c] * k[head + j * d + c];
                        p[j] = s * scale + (bias is null ? 0 : bias[(hi * n + i) * n + j]);
                        max = Math.Max(max, p[j]);
                    }
                    var sum = 0.0;
                    for (var j = 0; j < n; j++)
                        sum += p[j] = Math.Exp(p[j] - max);
                    for (var c = 0; c < d; c++)
                    {
                        var o = 0.0;
                        for (var j = 0; j < n; j++)
                            o += p[j] * v[head + j * d + c];
                        result[((bi * n + i) * h + hi) * d + c] = (float)(o / sum);
                    }
                }
            }
        }
        return result;
    }
}
