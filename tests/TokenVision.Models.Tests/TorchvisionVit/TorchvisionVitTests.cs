using TokenVision.Models.Tests.Beit;
using TokenVision.Models.TorchvisionVit;
using TokenVision.Tensors;
using Xunit;
using TvVisionTransformer = TokenVision.Models.TorchvisionVit.VisionTransformer;

namespace TokenVision.Models.Tests.TorchvisionVit;

/// <summary>torchvision ViT: the packed MultiheadAttention projection, the heads and the checkpoint filter.</summary>
public class TorchvisionVitTests
{
    private static TorchvisionVitConfig Small => new()
    {
        ImageSize = 16, PatchSize = 8, NumLayers = 2, NumHeads = 2, HiddenDim = 8, MlpDim = 16, NumClasses = 3, Seed = 4,
    };

    [Fact]
    public void InProj_SplitsIntoQueryKeyValueRowBlocks()
    {
        const int d = 12, heads = 3, hd = 4;
        var g = new Generator(21);
        var mha = new MultiheadAttention(d, heads, 0f, g);
        using var noGrad = Grad.Disabled();
        mha.InProjBias.Normal_(0, 1, g);
        using var x = Tensor.Randn([2, 5, d], g);
        var (q, k, v) = mha.ProjectQkv(x);
        using (q)
        using (k)
        using (v)
        {
            var parts = new[] { q, k, v };
            for (var part = 0; part < 3; part++)
            {
                // Rows [part·D, (part+1)·D) of in_proj_weight / in_proj_bias, heads in consecutive hd-row blocks.
                Assert.Equal(new[] { 2, heads, 5, hd }, parts[part].Shape);
                using var w = mha.InProjWeight.Narrow(0, part * d, d);
                using var b = mha.InProjBias.Narrow(0, part * d, d);
                using var full = Tensor.Linear(x, w, b);                   // [B, N, D]
                for (var h = 0; h < heads; h++)
                {
                    using var expected = full.Narrow(2, h * hd, hd);
                    using var actual = parts[part].Select(1, h);
                    BeitTests.AssertClose(expected, actual, 1e-6f);
                }
            }
        }
    }

    [Fact]
    public void MultiheadAttention_MatchesPerHeadSoftmaxAttention()
    {
        const int d = 8, heads = 2, hd = 4;
        var g = new Generator(22);
        var mha = new MultiheadAttention(d, heads, 0f, g);
        mha.Eval();
        using var noGrad = Grad.Disabled();
        mha.InProjBias.Normal_(0, 1, g);
        mha.OutProj.Bias!.Normal_(0, 1, g);
        using var x = Tensor.Randn([2, 4, d], g);
        using var actual = mha.Forward(x);

        var outputs = new List<Tensor>();
        for (var h = 0; h < heads; h++)
        {
            Tensor Project(int part)
            {
                using var w = mha.InProjWeight.Narrow(0, part * d + h * hd, hd);
                using var b = mha.InProjBias.Narrow(0, part * d + h * hd, hd);
                return Tensor.Linear(x, w, b);
            }
            using var q = Project(0);
            using var k = Project(1);
            using var v = Project(2);
            using var kt = k.Transpose(1, 2);
            using var s = q.MatMul(kt);
            using var scaled = s.Mul(1f / MathF.Sqrt(hd));
            using var p = Functional.Softmax(scaled, -1);
            outputs.Add(p.MatMul(v));
        }
        using var merged = Tensor.Cat(outputs, 2);
        using var expected = mha.OutProj.Forward(merged);
        foreach (var o in outputs)
            o.Dispose();
        BeitTests.AssertClose(expected, actual, 1e-5f);
    }

    [Fact]
    public void StateDict_KeysAsTorchvision()
    {
        var keys = new TvVisionTransformer(Small with { RepresentationSize = 6 }).StateDict().Select(kv => kv.Key).ToList();
        Assert.Equal("class_token", keys[0]);
        Assert.Equal("conv_proj.weight", keys[1]);
        Assert.Equal("encoder.pos_embedding", keys[3]);
        Assert.Contains("encoder.layers.encoder_layer_1.self_attention.in_proj_weight", keys);
        Assert.Contains("encoder.layers.encoder_layer_1.mlp.3.bias", keys);
        Assert.Equal(["heads.pre_logits.weight", "heads.pre_logits.bias", "heads.head.weight", "heads.head.bias"], keys[^4..]);
    }

    [Fact]
    public void RepresentationSize_AddsTanhPreLogits()
    {
        var model = new TvVisionTransformer(Small with { RepresentationSize = 6, ZeroInitHead = false });
        model.Eval();
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([2, 3, 16, 16], new Generator(1));
        using var features = model.ForwardFeatures(x);
        using var pre = model.ForwardHead(features, preLogits: true);
        Assert.Equal(new[] { 2, 6 }, pre.Shape);
        Assert.Equal(6, model.NumFeatures);
        Assert.All(pre.ToArray(), v => Assert.InRange(v, -1f, 1f));
        using var logits = model.Forward(x);
        using var expected = model.Heads.Head.Forward(pre);
        BeitTests.AssertClose(expected, logits, 1e-6f);
    }

    [Fact]
    public void Head_IsZeroInitialisedAsTorchvision()
    {
        var model = new TvVisionTransformer(Small);
        var head = (Nn.Linear)model.Heads.Head;
        Assert.All(head.Weight.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.ClassToken.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void FilterCheckpoint_RenamesLegacyMlpKeys()
    {
        var model = new TvVisionTransformer(Small);
        var source = new TvVisionTransformer(Small with { Seed = 8 });
        var legacy = source.StateDict().ToDictionary(
            kv => kv.Key.Replace(".mlp.0.", ".mlp.linear_1.", StringComparison.Ordinal).Replace(".mlp.3.", ".mlp.linear_2.", StringComparison.Ordinal),
            kv => kv.Value);
        Assert.Contains("encoder.layers.encoder_layer_0.mlp.linear_2.weight", legacy.Keys);
        model.LoadStateDict(model.FilterCheckpoint(legacy), strict: true);
        Assert.Equal(source.Encoder.Layers[0].Mlp[3].Parameters().First().ToArray(), model.Encoder.Layers[0].Mlp[3].Parameters().First().ToArray());
    }

    [Fact]
    public void FilterCheckpoint_ResamplesPositionEmbeddingWithAlignedCorners()
    {
        // A 2x2 checkpoint grid into a 3x3 model (image 24, patch 8): class token kept; with align_corners=True
        // the grid corners are reproduced exactly.
        var model = new TvVisionTransformer(Small with { ImageSize = 24 });
        var source = new TvVisionTransformer(Small);
        var weights = source.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var filtered = model.FilterCheckpoint(weights);
        var pos = filtered["encoder.pos_embedding"];
        Assert.Equal(new[] { 1, 10, 8 }, pos.Shape);
        var before = source.Encoder.PosEmbedding.ToArray();
        var after = pos.ToArray();
        const int d = 8;
        for (var c = 0; c < d; c++)
        {
            Assert.Equal(before[c], after[c]);                                           // class token
            (int Old, int New)[] corners = [(0, 0), (1, 2), (2, 6), (3, 8)];
            foreach (var (o, n) in corners)
                Assert.Equal(before[(1 + o) * d + c], after[(1 + n) * d + c], 5);
        }
        model.LoadStateDict(filtered, strict: true);
        model.Eval();
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, 3, 24, 24], new Generator(3));
        using var features = model.ForwardFeatures(x);
        Assert.Equal(new[] { 1, 10, 8 }, features.Shape);
    }

    [Fact]
    public void ResamplePosEmbedding_UpsamplesLikeTorchBicubicAlignCorners()
    {
        // One channel, 2x2 grid [[0, 1], [2, 3]] to 3x3 with align_corners=True: centre samples sit at 0.5, where
        // the A=-0.75 cubic on a clamped 2-point border gives the plain average.
        using var pos = Tensor.FromArray([9f, 0f, 1f, 2f, 3f], 1, 5, 1);
        using var resized = TvVisionTransformer.ResamplePosEmbedding(pos, 3);
        float[] expected = [9f, 0f, 0.5f, 1f, 1f, 1.5f, 2f, 2f, 2.5f, 3f];
        var actual = resized.ToArray();
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void WrongInputSize_IsAnError()
    {
        var model = new TvVisionTransformer(Small);
        using var x = Tensor.Zeros(1, 3, 24, 24);
        Assert.Throws<ArgumentException>(() => model.Forward(x));
    }
}
