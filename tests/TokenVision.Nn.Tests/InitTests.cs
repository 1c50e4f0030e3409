using TokenVision.Nn;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Nn.Tests;

public class InitTests
{
    [Fact]
    public void TruncNormalLinears_DrawsEveryLinearWithinBounds_AndZeroesBiases()
    {
        var g = new Generator(3);
        var model = new Sequential(new Linear(64, 96, g), new Sequential(new Linear(96, 32, g, bias: false), new Linear(32, 8, g)));
        var linears = model.NamedModules().Select(m => m.Module).OfType<Linear>().ToArray();
        Assert.Equal(3, linears.Length);
        foreach (var linear in linears)
        {
            // PyTorch's default init draws non-zero biases, so zeros show the helper ran.
            if (linear.Bias is not null)
                Assert.Contains(linear.Bias.ToArray(), v => v != 0f);
        }

        Init.TruncNormalLinears(model, new Generator(7), std: 0.02f, a: -0.03f, b: 0.03f);

        foreach (var linear in linears)
        {
            var w = linear.Weight.ToArray();
            Assert.All(w, v => Assert.InRange(v, -0.03f, 0.03f));
            var std = Math.Sqrt(w.Select(v => (double)v * v).Average());
            // A normal(0, 0.02) cut at 1.5 sigma has a standard deviation of about 0.0148.
            Assert.InRange(std, 0.0125, 0.0170);
            if (linear.Bias is not null)
                Assert.All(linear.Bias.ToArray(), v => Assert.Equal(0f, v));
        }
    }
}
