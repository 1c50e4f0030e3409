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
}
