using System.Text.Json;
using TokenVision.Models.MViT;
using TokenVision.Models.TorchvisionMViT;
using TokenVision.Nn;
using TokenVision.Tensors;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Models.Tests.MViT;

/// <summary>Configuration resolution, checkpoint filtering and the classifier interface of both MViT families.</summary>
public class MViTModelTests
{
    [Fact]
    public void Resolved_ExpandsWidthsAndHeads_AndDerivesKvStrides()
    {
        var c = ((MViTv2Config)ModelRegistry.Get("mvitv2_tiny").Config).Resolved();
        Assert.Equal(new[] { 96, 192, 384, 768 }, c.EmbedDim);
        Assert.Equal(new[] { 1, 2, 4, 8 }, c.NumHeads);
        Assert.Equal(new (int, int)[] { (4, 4), (2, 2), (1, 1), (1, 1) }, c.StrideKv);
        // An explicit stride_kv wins over the adaptive one.
        var explicitKv = new MViTv2Config { Depths = [1, 1], StrideQ = [(1, 1), (2, 2)], StrideKv = [(2, 2), (1, 1)] }.Resolved();
        Assert.Equal(new (int, int)[] { (2, 2), (1, 1) }, explicitKv.StrideKv);
    }

    [Theory]
    [InlineData("mvitv2")]
    [InlineData("tv_mvitv2_video")]
    public void SoftmaxInvariantParameters_AreTheOnesTheReferenceDocuments(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("cases.json")));
        var cases = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("cases");
        var entry = cases.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var documented = entry.GetProperty("softmax_invariant_params").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal);
        var model = ModelLoader.Load(Fixtures.Path(Path.Combine("models", name))).Model;
        var declared = model switch
        {
            MultiScaleVit m => m.SoftmaxInvariantParameters,
            VideoMViT v => v.SoftmaxInvariantParameters,
            _ => throw new InvalidOperationException(model.GetType().Name),
        };
        Assert.Equal(documented, declared.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FilterCheckpoint_RenumbersOriginalBlocksIntoStages()
    {
        var model = new MultiScaleVit(new MViTv2Config { Depths = [1, 2], EmbedDim = [8], StrideQ = [(1, 1), (2, 2)], ImgSize = (32, 32), NumClasses = 3 });
        using var t = Tensor.Zeros(1);
        var original = new Dictionary<string, Tensor>
        {
            ["blocks.0.attn.qkv.weight"] = t,
            ["blocks.1.proj.weight"] = t,
            ["blocks.1.attn.proj.weight"] = t,
            ["blocks.2.norm1.weight"] = t,
            ["head.projection.weight"] = t,
        };
        var filtered = model.FilterCheckpoint(original);
        Assert.Equal(
            new[] { "head.fc.weight", "stages.0.blocks.0.attn.qkv.weight", "stages.1.blocks.0.attn.proj.weight", "stages.1.blocks.0.shortcut_proj_attn.weight", "stages.1.blocks.1.norm1.weight" },
            filtered.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FilterCheckpoint_ResamplesRelativePositionTablesOfAnotherSize()
    {
        var model = new MultiScaleVit(new MViTv2Config { Depths = [1, 1], EmbedDim = [8], StrideQ = [(1, 1), (2, 2)], ImgSize = (32, 32), NumClasses = 3 });
        var state = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        const string key = "stages.0.blocks.0.attn.rel_pos_h";
        var rows = state[key].Shape[0];
        using var small = Tensor.Randn([5, state[key].Shape[1]], new Generator(7));
        state[key] = small;
        var filtered = model.FilterCheckpoint(state);
        Assert.Equal(new[] { rows, small.Shape[1] }, filtered[key].Shape.ToArray());
        using var expected = RelativePosition.Interpolate(small, rows);
        Assert.Equal(expected.ToArray(), filtered[key].ToArray());
        model.LoadStateDict(filtered);
    }

    [Fact]
    public void Image_LargerThanBuiltFor_NamesTheTooSmallTable()
    {
        var model = new MultiScaleVit(new MViTv2Config { Depths = [1, 1], EmbedDim = [8], StrideQ = [(1, 1), (2, 2)], ImgSize = (32, 32), NumClasses = 3 });
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, 3, 64, 64], new Generator(1));
        var e = Assert.Throws<ArgumentException>(() => model.Forward(x));
        Assert.Contains("relative position table", e.Message);
    }

    [Fact]
    public void Video_TakesImagesAsOneFrame_AndGivesNcthwIntermediates()
    {
        var config = (VideoMViTConfig)ModelRegistry.Get("mvit_v2_s").Config;
        var (small, shape) = RegistryTests.Small(config);
        var model = new VideoMViT((VideoMViTConfig)small);
        model.Eval();
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        var clip = Tensor.Randn(shape, new Generator(3));                 // [2, 3, 4, 32, 32]
        var (final, inter) = model.ForwardIntermediates(clip, [0, 1, 2]);
        Assert.Equal(new[] { 2, 1 + 2 * 4 * 4, 32 }, final.Shape.ToArray());
        Assert.Equal(new[] { 2, 16, 2, 8, 8 }, inter[0].Shape.ToArray());
        Assert.Equal(new[] { 2, 32, 2, 4, 4 }, inter[1].Shape.ToArray());
        Assert.Equal(new[] { 2, 32, 2, 4, 4 }, inter[2].Shape.ToArray());
        var image = Tensor.Randn([2, 3, 32, 32], new Generator(4));
        Assert.Equal(new[] { 2, 5 }, model.Forward(image).Shape.ToArray());
    }

    [Fact]
    public void Video_WithAbsolutePositions_HasTorchvisionKeys()
    {
        var config = (VideoMViTConfig)RegistryTests.Small(ModelRegistry.Get("mvit_v2_s").Config).Config with { RelPosEmbed = false };
        var model = new VideoMViT(config);
        var keys = model.StateDict().Select(kv => kv.Key).ToList();
        Assert.Equal(new[] { "conv_proj.weight", "conv_proj.bias", "pos_encoding.class_token", "pos_encoding.spatial_pos", "pos_encoding.temporal_pos", "pos_encoding.class_pos" }, keys.Take(6));
        Assert.DoesNotContain(keys, k => k.Contains("rel_pos", StringComparison.Ordinal));
        model.Eval();
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        Assert.Equal(new[] { 1, 5 }, model.Forward(Tensor.Randn([1, 3, 4, 32, 32], new Generator(5))).Shape.ToArray());
        Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Randn([1, 3, 4, 48, 48], new Generator(6))));
    }
}
