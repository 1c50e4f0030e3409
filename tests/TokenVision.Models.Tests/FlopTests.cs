using TokenVision.Models;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Models.Tests;

/// <summary>The engine's FLOP counter reproduces the published multiply-add counts at the default input (within 3%).</summary>
public class FlopTests
{
    [Theory]
    [InlineData("vit_base_patch16_224", 17.6)]
    [InlineData("deit_small_patch16_224", 4.6)]
    [InlineData("swin_tiny_patch4_window7_224", 4.5)]
    [InlineData("mvitv2_tiny", 4.7)]
    public void GigaFlops_MatchPublishedFigures(string name, double expected)
    {
        var loaded = ModelLoader.Load(name);
        loaded.Model.Eval();
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        using var counter = FlopCounter.Begin();
        using var x = Tensor.Zeros([1, .. loaded.Pretrained.InputSize]);
        loaded.Model.Forward(x);
        Assert.InRange(counter.GigaMultiplyAdds, expected * 0.97, expected * 1.03);
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("swin_tiny_patch4_window7_224")]
    [InlineData("mvitv2_tiny")]
    public void SkippingProducts_CountsTheSame_AndWritesZeros(string name)
    {
        var loaded = ModelLoader.Load(name);
        loaded.Model.Eval();
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, .. loaded.Pretrained.InputSize], new Generator(0));
        long computed, skipped;
        using (var counter = FlopCounter.Begin())
        {
            using var y = loaded.Model.Forward(x);
            computed = counter.MultiplyAdds;
            Assert.Contains(y.ToArray(), v => v != 0f);
        }
        using (var counter = FlopCounter.Begin(skipProducts: true))
        {
            using var y = loaded.Model.Forward(x);
            skipped = counter.MultiplyAdds;
            // The classifier is a skipped product too, so the logits are zeros.
            Assert.All(y.ToArray(), v => Assert.Equal(0f, v));
        }
        Assert.Equal(computed, skipped);
    }
}
