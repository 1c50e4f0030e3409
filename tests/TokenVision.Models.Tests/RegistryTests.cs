using TokenVision.Models;
using TokenVision.Models.Beit;
using TokenVision.Models.ResNet;
using TokenVision.Models.TorchvisionVit;
using TokenVision.Models.Swin;
using TokenVision.Models.TorchvisionSwin;
using TokenVision.Models.MViT;
using TokenVision.Models.TorchvisionMViT;
using TokenVision.Models.Vit;
using TokenVision.Nn;
using TokenVision.Tensors;
using TokenVision.Training;
using Xunit;

namespace TokenVision.Models.Tests;

/// <summary>
/// Every registered architecture builds, runs forward and backward, and trains. Training runs each architecture
/// with all of its graph options but fewer blocks and a small input, so the suite stays fast; the full-size
/// structure is covered by <see cref="ManifestTests"/>.
/// </summary>
public class RegistryTests
{
    public static TheoryData<string> AllModels => new(ModelRegistry.Names);

    /// <summary>The architecture scaled down for a quick training run, and the input it takes.</summary>
    internal static (ModelConfig Config, int[] Input) Small(ModelConfig config) => config switch
    {
        VitConfig v => (v with { ImgSize = (v.PatchSize.H * 2, v.PatchSize.W * 2), Depth = 2, NumClasses = 5 }, [2, 3, v.PatchSize.H * 2, v.PatchSize.W * 2]),
        ResNetConfig r => (r with { Layers = [1, 1, 1, 1], Channels = [8, 16, 32, 64], ZeroInitLast = false, NumClasses = 5 }, [2, 3, 64, 64]),
        BeitConfig b => (b with { ImgSize = (b.PatchSize.H * 2, b.PatchSize.W * 2), EmbedDim = 64, NumHeads = 4, Depth = 2, NumClasses = 5 }, [2, 3, b.PatchSize.H * 2, b.PatchSize.W * 2]),
        TorchvisionVitConfig t => (t with { ImageSize = t.PatchSize * 2, HiddenDim = 64, NumHeads = 4, MlpDim = 128, NumLayers = 2, NumClasses = 5, ZeroInitHead = false }, [2, 3, t.PatchSize * 2, t.PatchSize * 2]),
        // Four stages on a 16x16 patch grid with 4x4 windows: shifted and masked (16, 8), window = map (4, 2 in timm),
        // padded to the window (2 in torchvision); four channels per head. A batch of 4 keeps stochastic depth from
        // dropping a branch for every sample.
        SwinConfig s => (s with { ImgSize = (32, 32), PatchSize = (2, 2), WindowSize = (4, 4), EmbedDim = 4 * s.NumHeads[0],
            Depths = [.. s.Depths.Select(d => Math.Min(d, 2))], NumClasses = 5 }, [4, 3, 32, 32]),
        TorchvisionSwinConfig t => (t with { PatchSize = (2, 2), WindowSize = (4, 4), EmbedDim = 4 * t.NumHeads[0],
            Depths = [.. t.Depths.Select(d => Math.Min(d, 2))], NumClasses = 5 }, [4, 3, 32, 32]),
        MViTv2Config m => (m with { Depths = [1, 2, 1, 1], EmbedDim = [16], ImgSize = (32, 32), NumClasses = 5 }, [2, 3, 32, 32]),
        VideoMViTConfig v => (v with { SpatialSize = (32, 32), TemporalSize = 4, BlockSetting = SmallVideoBlocks, NumClasses = 5 }, [2, 3, 4, 32, 32]),
        _ => throw new NotSupportedException($"no small configuration for {config.GetType().Name}"),
    };

    /// <summary>Three video MViT blocks: key/value pooling, a downsampling block that widens, and a plain one.</summary>
    private static readonly MSBlockConfig[] SmallVideoBlocks =
    [
        new() { NumHeads = 1, InputChannels = 16, OutputChannels = 16, KernelQ = [3, 3, 3], KernelKv = [3, 3, 3], StrideQ = [1, 1, 1], StrideKv = [1, 4, 4] },
        new() { NumHeads = 2, InputChannels = 16, OutputChannels = 32, KernelQ = [3, 3, 3], KernelKv = [3, 3, 3], StrideQ = [1, 2, 2], StrideKv = [1, 2, 2] },
        new() { NumHeads = 2, InputChannels = 32, OutputChannels = 32, KernelQ = [3, 3, 3], KernelKv = [3, 3, 3], StrideQ = [1, 1, 1], StrideKv = [1, 1, 1] },
    ];

    /// <summary>
    /// Parameters a model documents as unable to change its output, so their gradient is zero by construction: the
    /// MViT key-norm biases, which shift all scores of a query equally before the softmax.
    /// </summary>
    internal static IReadOnlySet<string> SoftmaxInvariant(Module model) => model switch
    {
        MultiScaleVit m => m.SoftmaxInvariantParameters.ToHashSet(),
        VideoMViT v => v.SoftmaxInvariantParameters.ToHashSet(),
        _ => new HashSet<string>(),
    };

    /// <summary>
    /// Parameters a model documents as unread by its class-token head (last-block operations on grid tokens only):
    /// zero gradient from the logits, so they are checked against a loss on the features instead.
    /// </summary>
    internal static IReadOnlySet<string> UnusedByHead(Module model) => model switch
    {
        MultiScaleVit m => m.ParametersUnusedByHead.ToHashSet(),
        VideoMViT v => v.ParametersUnusedByHead.ToHashSet(),
        _ => new HashSet<string>(),
    };

    [Theory, MemberData(nameof(AllModels))]
    public void Trains_GradientsReachEveryParameter_AndLossFalls(string name)
    {
        var entry = ModelRegistry.Get(name);
        var (config, inputShape) = Small(entry.Config);
        var model = entry.Factory(config);
        var g = new Generator(1);
        using var x = Tensor.Randn(inputShape, g);
        using var y = Tensor.Randint(0, config.NumClasses, [inputShape[0]], g);
        var opt = new Sgd(model.Parameters(), lr: 0.01f, momentum: 0.9f);
        var unusedByHead = UnusedByHead(model);
        if (unusedByHead.Count > 0)
        {
            using var scope = TensorScope.Begin();
            var features = ((IImageClassifier)model).ForwardFeatures(x);
            (features * features).Mean().Backward();
            foreach (var (pname, p) in model.NamedParameters().Where(p => unusedByHead.Contains(p.Name)))
                Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0), $"{name}: {pname} received no gradient from the features");
            model.ZeroGrad();
        }
        float first = 0, last = 0;
        for (var step = 0; step < 20; step++)
        {
            using var scope = TensorScope.Begin();
            opt.ZeroGrad();
            var logits = model.Forward(x);
            Assert.Equal(new[] { inputShape[0], config.NumClasses }, logits.Shape);
            var loss = Functional.CrossEntropy(logits, y);
            loss.Backward();
            if (step == 0)
            {
                first = loss.Item();
                var invariant = SoftmaxInvariant(model);
                foreach (var (pname, p) in model.NamedParameters())
                {
                    if (unusedByHead.Contains(pname))
                        continue;
                    if (invariant.Contains(pname))
                    {
                        // Reached by backward, but zero up to float32 rounding of the softmax gradient's row sums.
                        var worst = p.Grad?.ToArray().Max(MathF.Abs);
                        Assert.True(worst is < 1e-6f, $"{name}: softmax-invariant {pname} has gradient {worst?.ToString() ?? "none"}");
                        continue;
                    }
                    Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0), $"{name}: {pname} received no gradient");
                }
            }
            opt.Step();
            last = loss.Item();
        }
        Assert.True(last < first, $"{name}: loss went from {first} to {last} in 20 SGD steps");
    }

    [Theory, MemberData(nameof(AllModels))]
    public void ClassifierInterface_ResetAndIntermediates(string name)
    {
        var entry = ModelRegistry.Get(name);
        var (config, inputShape) = Small(entry.Config);
        var model = entry.Factory(config);
        var classifier = (IImageClassifier)model;
        model.Eval();
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn(inputShape, new Generator(2));
        var features = classifier.ForwardFeatures(x);
        var pre = classifier.ForwardHead(features, preLogits: true);
        Assert.Equal(new[] { inputShape[0], classifier.NumFeatures }, pre.Shape);
        var (final, inter) = classifier.ForwardIntermediates(x, [-1]);
        Assert.Equal(features.Shape, final.Shape);
        Assert.Single(inter);
        Assert.Equal(4 + (inputShape.Length - 4), inter[0].Rank);
        classifier.ResetClassifier(3);
        Assert.Equal(new[] { inputShape[0], 3 }, model.Forward(x).Shape);
        Assert.Equal(3, classifier.NumClasses);
    }

    [Fact]
    public void UnknownName_ListsSimilarOnes()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => ModelRegistry.Get("vit_huge_patch99"));
        Assert.Contains("vit_base_patch16_224", e.Message);
    }
}
