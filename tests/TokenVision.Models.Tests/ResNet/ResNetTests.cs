using TokenVision.Models.ResNet;
using TokenVision.Tensors;
using Xunit;
using ResNetModel = TokenVision.Models.ResNet.ResNet;

namespace TokenVision.Models.Tests.ResNet;

/// <summary>ResNet structure, initialisation, intermediates and rejected options.</summary>
public class ResNetTests
{
    private static ResNetConfig Small(ResNetBlockType block) => new()
    {
        Block = block, Layers = [1, 2, 1, 1], Channels = [4, 8, 8, 16], StemWidth = 8, NumClasses = 3, Seed = 2,
    };

    [Theory]
    [InlineData(ResNetBlockType.Basic, 1)]
    [InlineData(ResNetBlockType.Bottleneck, 4)]
    public void ForwardIntermediates_StemAndFourStages(ResNetBlockType block, int expansion)
    {
        var model = new ResNetModel(Small(block));
        model.Eval();
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([2, 3, 64, 64], new Generator(1));
        var (final, maps) = model.ForwardIntermediates(x, [0, 1, 2, 3, 4]);
        Assert.Equal(new[] { 2, 64, 32, 32 }, maps[0].Shape);
        Assert.Equal(new[] { 2, 4 * expansion, 16, 16 }, maps[1].Shape);
        Assert.Equal(new[] { 2, 8 * expansion, 8, 8 }, maps[2].Shape);
        Assert.Equal(new[] { 2, 8 * expansion, 4, 4 }, maps[3].Shape);
        Assert.Equal(new[] { 2, 16 * expansion, 2, 2 }, maps[4].Shape);
        using var features = model.ForwardFeatures(x);
        Assert.Equal(features.ToArray(), final.ToArray());
        Assert.Equal(features.ToArray(), maps[4].ToArray());
        Assert.Equal(16 * expansion, model.NumFeatures);
    }

    [Fact]
    public void Stem_Has64ChannelsWhateverTheStemWidth()
    {
        var model = new ResNetModel(Small(ResNetBlockType.Basic));
        Assert.Equal(new[] { 64, 3, 7, 7 }, model.Conv1.Weight.Shape);
        var keys = model.StateDict().Select(kv => kv.Key).ToList();
        Assert.Contains("layer1.0.downsample.0.weight", keys);                 // 64 → 4 channels
        Assert.DoesNotContain("layer2.1.downsample.0.weight", keys);
        Assert.Contains("layer2.0.downsample.1.num_batches_tracked", keys);
    }

    [Fact]
    public void ZeroInitLast_ZeroesTheLastBatchNormOfEveryBlock()
    {
        var basic = new ResNetModel(Small(ResNetBlockType.Basic));
        var bottleneck = new ResNetModel(Small(ResNetBlockType.Bottleneck));
        var w = basic.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.All(w["layer2.1.bn2.weight"].ToArray(), v => Assert.Equal(0f, v));
        Assert.All(w["layer2.1.bn1.weight"].ToArray(), v => Assert.Equal(1f, v));
        Assert.All(w["layer2.0.downsample.1.weight"].ToArray(), v => Assert.Equal(1f, v));
        var b = bottleneck.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.All(b["layer3.0.bn3.weight"].ToArray(), v => Assert.Equal(0f, v));
        Assert.All(b["layer3.0.bn2.weight"].ToArray(), v => Assert.Equal(1f, v));
        var off = new ResNetModel(Small(ResNetBlockType.Basic) with { ZeroInitLast = false });
        Assert.All(off.StateDict().First(kv => kv.Key == "layer2.1.bn2.weight").Value.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void ConvolutionInit_IsKaimingNormalFanOut()
    {
        var model = new ResNetModel(Small(ResNetBlockType.Basic) with { Channels = [64, 64, 64, 64] });
        // layer1.0.conv1: [64, 64, 3, 3], fan_out = 64·9, std = sqrt(2 / 576).
        var w = ((ResNetModel.BasicBlock)model.Stages[0][0]).Conv1.Weight.ToArray();
        var std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.95 * Math.Sqrt(2.0 / 576), 1.05 * Math.Sqrt(2.0 / 576));
    }

    [Theory]
    [InlineData("stem_type")]
    [InlineData("output_stride")]
    [InlineData("avg_down")]
    [InlineData("replace_stem_pool")]
    [InlineData("drop_block_rate")]
    public void UnsupportedOptions_AreRejectedByName(string option)
    {
        var c = Small(ResNetBlockType.Basic);
        c = option switch
        {
            "stem_type" => c with { StemType = "deep" },
            "output_stride" => c with { OutputStride = 16 },
            "avg_down" => c with { AvgDown = true },
            "replace_stem_pool" => c with { ReplaceStemPool = true },
            _ => c with { DropBlockRate = 0.1f },
        };
        var e = Assert.Throws<NotSupportedException>(() => new ResNetModel(c));
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void InvalidShapes_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ResNetModel(Small(ResNetBlockType.Basic) with { Layers = [1, 1, 1] }));
        Assert.Throws<ArgumentException>(() => new ResNetModel(Small(ResNetBlockType.Basic) with { Cardinality = 2 }));
        Assert.Throws<ArgumentException>(() => new ResNetModel(Small(ResNetBlockType.Basic) with { GlobalPool = "catavgmax" }));
    }

    [Fact]
    public void ConfigBinder_ReadsTimmArguments()
    {
        var args = System.Text.Json.Nodes.JsonNode.Parse("""{"block": "bottleneck", "layers": [3, 4, 6, 3], "channels": [8, 16, 32, 64], "stem_width": 8, "num_classes": 10}""")!.AsObject();
        var c = ConfigBinder.Bind(new ResNetConfig(), args, "test");
        Assert.Equal(ResNetBlockType.Bottleneck, c.Block);
        Assert.Equal([8, 16, 32, 64], c.Channels);
        Assert.Equal(10, c.NumClasses);
    }
}
