using TokenVision.Nn;
using TokenVision.Tensors;
using TokenVision.Training;
using Xunit;

namespace TokenVision.Training.Tests;

public class OptimizerTests
{
    [Fact]
    public void AdamW_MatchesTorchFormula()
    {
        var p = Tensor.FromArray([1f, -2f, 0.5f]);
        TensorScope.Detach(p);
        p.RequiresGrad = true;
        var opt = new AdamW([p], lr: 0.1f, weightDecay: 0.01f);
        double[] pr = [1, -2, 0.5], m = new double[3], v = new double[3];
        float[][] grads = [[0.3f, -0.1f, 2f], [-0.5f, 0.2f, 1f], [0.1f, 0.1f, -3f]];
        for (var t = 1; t <= 3; t++)
        {
            p.Grad = Tensor.FromArray(grads[t - 1]);
            opt.Step();
            for (var i = 0; i < 3; i++)
            {
                double g = grads[t - 1][i];
                pr[i] *= 1 - 0.1 * 0.01;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                var mh = m[i] / (1 - Math.Pow(0.9, t));
                var denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-8;
                pr[i] -= 0.1 * mh / denom;
            }
            var got = p.ToArray();
            for (var i = 0; i < 3; i++)
                Assert.Equal(pr[i], got[i], 1e-5);
        }
    }

    [Fact]
    public void Sgd_Momentum_Nesterov_WeightDecay()
    {
        var p = Tensor.FromArray([1f, -1f]);
        TensorScope.Detach(p);
        p.RequiresGrad = true;
        var opt = new Sgd([p], lr: 0.5f, momentum: 0.9f, weightDecay: 0.1f, nesterov: true);
        double[] pr = [1, -1], buf = new double[2];
        float[][] grads = [[1f, 2f], [-1f, 0.5f]];
        for (var t = 0; t < 2; t++)
        {
            p.Grad = Tensor.FromArray(grads[t]);
            opt.Step();
            for (var i = 0; i < 2; i++)
            {
                var d = grads[t][i] + 0.1 * pr[i];
                buf[i] = t == 0 ? d : 0.9 * buf[i] + d;
                pr[i] -= 0.5 * (d + 0.9 * buf[i]);
            }
            var got = p.ToArray();
            for (var i = 0; i < 2; i++)
                Assert.Equal(pr[i], got[i], 1e-5);
        }
    }

    [Fact]
    public void ClipGradNorm_ScalesToMaxNorm()
    {
        var a = Tensor.Zeros(2);
        var b = Tensor.Zeros(1);
        a.Grad = Tensor.FromArray([3f, 0f]);
        b.Grad = Tensor.FromArray([4f]);
        var norm = GradientClipping.ClipGradNorm([a, b], 1f);
        Assert.Equal(5, norm, 1e-6);
        Assert.Equal(0.6f, a.Grad.ToArray()[0], 1e-5);
        Assert.Equal(0.8f, b.Grad.ToArray()[0], 1e-5);
    }

    [Fact]
    public void TinyModel_LossFalls_WithSgd()
    {
        var g = new Generator(1);
        var model = new Sequential(new Linear(4, 16, g), new Activation(ActivationKind.Gelu), new Linear(16, 3, g));
        using var x = Tensor.Randn([32, 4], g);
        using var y = Tensor.Randint(0, 3, [32], g);
        var opt = new Sgd(model.Parameters(), lr: 0.5f, momentum: 0.9f);
        float first = 0, last = 0;
        for (var step = 0; step < 20; step++)
        {
            using var scope = TensorScope.Begin();
            opt.ZeroGrad();
            var loss = Functional.CrossEntropy(model.Forward(x), y);
            loss.Backward();
            opt.Step();
            if (step == 0)
                first = loss.Item();
            last = loss.Item();
        }
        Assert.True(last < first * 0.7f, $"loss {first} -> {last}");
    }
}
