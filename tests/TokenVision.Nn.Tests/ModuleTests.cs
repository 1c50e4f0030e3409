using TokenVision.Nn;
using TokenVision.Tensors;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Nn.Tests;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block(Generator g)
        {
            Norm1 = Register("norm1", new LayerNorm(8, 1e-6f));
            Attn = Register("attn", new Attention(8, 2, g, qkvBias: true));
            Norm2 = Register("norm2", new LayerNorm(8, 1e-6f));
            Mlp = Register("mlp", new Mlp(8, g, hiddenFeatures: 16));
            Ls = Register("ls1", new LayerScale(8, 0.5f));
        }

        public LayerNorm Norm1 { get; }
        public Attention Attn { get; }
        public LayerNorm Norm2 { get; }
        public Mlp Mlp { get; }
        public LayerScale Ls { get; }

        public override Tensor Forward(Tensor x)
        {
            using var n1 = Norm1.Forward(x);
            using var a = Attn.Forward(n1);
            using var s = Ls.Forward(a);
            using var x1 = x + s;
            using var n2 = Norm2.Forward(x1);
            using var m = Mlp.Forward(n2);
            return x1 + m;
        }
    }

    [Fact]
    public void StateDict_HasTimmKeysInOrder()
    {
        var block = new Block(new Generator(1));
        var keys = block.StateDict().Select(kv => kv.Key).ToArray();
        Assert.Equal(new[]
        {
            "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
            "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias", "ls1.gamma",
        }, keys);
        Assert.Equal(8 * 2 * 2 + 8 * 24 + 24 + 64 + 8 + 8 * 16 + 16 + 16 * 8 + 8 + 8, block.ParameterCount);
    }

    [Fact]
    public void StrictLoad_ListsEveryBadKey_AndChangesNothing()
    {
        var block = new Block(new Generator(1));
        var before = block.Attn.Qkv.Weight.ToArray();
        var sd = block.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        sd.Remove("norm2.bias");
        sd["extra.weight"] = Tensor.Zeros(3);
        sd["attn.qkv.weight"] = Tensor.Zeros(8, 8);
        var e = Assert.Throws<StateDictException>(() => block.LoadStateDict(sd, modelName: "block"));
        Assert.Contains("norm2.bias", e.Message);
        Assert.Contains("extra.weight", e.Message);
        Assert.Contains("attn.qkv.weight: expected [24, 8], got [8, 8]", e.Message);
        Assert.Equal(before, block.Attn.Qkv.Weight.ToArray());
        sd["attn.qkv.weight"] = Tensor.Zeros(24, 8);
        var report = block.LoadStateDict(sd, strict: false);
        Assert.Equal(new[] { "norm2.bias" }, report.Missing);
        Assert.Equal(new[] { "extra.weight" }, report.Unexpected);
        Assert.All(block.Attn.Qkv.Weight.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LoadStateDict_RoundTrips()
    {
        var a = new Block(new Generator(1));
        var b = new Block(new Generator(2));
        b.LoadStateDict(a.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value));
        using var x = Tensor.Randn([2, 5, 8], new Generator(3));
        a.Eval();
        b.Eval();
        using var ya = a.Forward(x);
        using var yb = b.Forward(x);
        Assert.Equal(ya.ToArray(), yb.ToArray());
    }

    [Fact]
    public void Block_Gradients_ReachEveryParameter_AndMatchFiniteDifferences()
    {
        var block = new Block(new Generator(4));
        using var x = Tensor.Randn([2, 3, 8], new Generator(5));
        using (var y = block.Forward(x))
        using (var s = y.Square().Sum())
            s.Backward();
        foreach (var (name, p) in block.NamedParameters())
            Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0), $"{name} got no gradient");
        var w = block.Mlp.Fc1.Weight;
        GradCheck.Check(t => block.Forward(t[0]), [GradCheck.Leaf(new Generator(6), -1, 1, 1, 3, 8)]);
    }

    [Fact]
    public void TrainEval_SwitchesDropoutAndBatchNorm()
    {
        var bn = new BatchNorm2d(3);
        using var x = Tensor.Randn([4, 3, 2, 2], new Generator(7));
        using (var _ = bn.Forward(x)) { }
        Assert.Equal(1L, bn.NumBatchesTracked.ItemInt64());
        Assert.NotEqual(0f, bn.RunningMean.ToArray()[0]);
        bn.Eval();
        using (var _ = bn.Forward(x)) { }
        Assert.Equal(1L, bn.NumBatchesTracked.ItemInt64());
        var drop = new DropPath(0.5f) { Generator = new Generator(8) };
        using var ones = Tensor.Ones(64, 4);
        using var dropped = drop.Forward(ones);
        var rows = dropped.ToArray().Chunk(4).ToArray();
        Assert.All(rows, r => Assert.True(r.All(v => v == 0) || r.All(v => v == 2)));
        Assert.Contains(rows, r => r[0] == 0);
        drop.Eval();
        using var kept = drop.Forward(ones);
        Assert.All(kept.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void PatchEmbed_ProducesTokens()
    {
        var pe = new PatchEmbed((8, 8), (4, 4), 3, 6, new Generator(9));
        using var x = Tensor.Randn([2, 3, 8, 8], new Generator(10));
        using var t = pe.Forward(x);
        Assert.Equal(new[] { 2, 4, 6 }, t.Shape);
        // Token 1 is the patch at row 0, column 1.
        using var patch = x.Slice(2, 0, 4).Slice(3, 4, 8);
        using var conv = Functional.Conv2d(patch, pe.Proj.Weight, pe.Proj.Bias, (4, 4));
        var expected = conv.ToArray();
        var got = t.ToArray().Skip(6).Take(6).ToArray();
        for (var i = 0; i < 6; i++)
            Assert.Equal(expected[i], got[i], 1e-5);
        Assert.Throws<ArgumentException>(() => pe.Forward(Tensor.Zeros(1, 3, 12, 8)));
    }

    [Fact]
    public void PatchEmbed_MatchesTheConvolution_ValuesAndGradients()
    {
        // Rectangular patches, an input larger than configured (not strict) and the NHWC form.
        var pe = new PatchEmbed((4, 8), (2, 4), 3, 5, new Generator(11), strictImgSize: false, flatten: false);
        using var x = Tensor.Randn([2, 3, 6, 12], new Generator(12));
        x.RequiresGrad = true;
        using var y = pe.Forward(x);                                   // [2, 3, 3, 5]
        Assert.Equal(new[] { 2, 3, 3, 5 }, y.Shape);
        using var conv = Functional.Conv2d(x, pe.Proj.Weight, pe.Proj.Bias, (2, 4));
        using var reference = conv.Permute(0, 2, 3, 1);
        var (got, want) = (y.ToArray(), reference.Contiguous().ToArray());
        for (var i = 0; i < want.Length; i++)
            Assert.Equal(want[i], got[i], 1e-5);

        using var g = Tensor.Randn([2, 3, 3, 5], new Generator(13));
        y.Backward(g);
        var (gx, gw, gb) = (x.Grad!.ToArray(), pe.Proj.Weight.Grad!.ToArray(), pe.Proj.Bias!.Grad!.ToArray());
        x.Grad = null;
        pe.Proj.Weight.Grad = null;
        pe.Proj.Bias.Grad = null;
        reference.Backward(g);
        AssertClose(x.Grad!.ToArray(), gx);
        AssertClose(pe.Proj.Weight.Grad!.ToArray(), gw);
        AssertClose(pe.Proj.Bias.Grad!.ToArray(), gb);

        static void AssertClose(float[] expected, float[] actual)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], actual[i], 1e-4);
        }
    }

    [Fact]
    public void Init_Fans_AndTruncNormalBounds()
    {
        using var w = Tensor.Zeros(4, 3, 2, 2);
        Assert.Equal((12, 16), Init.Fans(w));
        Init.TruncNormal(w, new Generator(1), std: 1f, a: -0.5f, b: 0.5f);
        Assert.All(w.ToArray(), v => Assert.InRange(v, -0.5f, 0.5f));
    }
    [Theory]
    [InlineData(ActivationKind.Gelu, 32)]
    [InlineData(ActivationKind.GeluTanh, 48)]
    [InlineData(ActivationKind.Relu, 16)]
    [InlineData(ActivationKind.Gelu, 20)]
    [InlineData(ActivationKind.Silu, 32)]
    public void Mlp_Inference_MatchesRecordedForward_Bitwise(ActivationKind act, int hidden)
    {
        // Without gradients fc1 and the activation run as one GEMM with the activation in its epilogue; with
        // gradients as separate recorded layers. Both must give the same bits.
        var g = new Generator(9);
        var mlp = new Mlp(24, g, hiddenFeatures: hidden, act: act);
        using var x = Tensor.Randn([2, 7, 24], g);
        using var recorded = mlp.Forward(x);
        Assert.True(recorded.RequiresGrad);
        Tensor inference;
        using (Grad.Disabled())
            inference = mlp.Forward(x);
        using var _ = inference;
        Assert.False(inference.RequiresGrad);
        var a = recorded.ToArray();
        var b = inference.ToArray();
        for (var i = 0; i < a.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]), $"element {i}: {a[i]:R} vs {b[i]:R}");
    }
}
