using TokenVision.Tensors;
using Xunit;

namespace TokenVision.TestSupport;

/// <summary>
/// Finite-difference gradient checks in float32. The function's output is contracted with fixed random weights
/// in double precision, so the check sees every output element; central differences with a step of
/// <c>eps</c> have truncation error O(eps²) and rounding error O(1e-7 / eps) relative, which the default
/// tolerances sit well above — while a wrong derivative (a missing factor, a wrong sign, a dropped term) is off
/// by O(1) and fails.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks d(sum(w * f(inputs)))/d(input) for every input that requires grad.</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double atol = 2e-3, double rtol = 2e-2, ulong seed = 7)
    {
        using var scope = TensorScope.Begin();
        Tensor output;
        using (Grad.Disabled())
            output = f(inputs);
        var weights = RandomWeights(output.NumElements, seed);
        foreach (var x in inputs)
            x.Grad = null;
        var y = f(inputs);
        using var w = Tensor.FromArray(weights.Select(v => (float)v).ToArray(), y.Shape.ToArray());
        using var loss = (y * w).Sum();
        loss.Backward();

        for (var k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad)
                continue;
            Assert.True(x.Grad is not null, $"input {k} received no gradient");
            var analytic = x.Grad!.ToArray();
            var numeric = Numeric(f, inputs, k, weights, eps);
            var scale = numeric.Select(Math.Abs).DefaultIfEmpty(0).Max();
            for (var i = 0; i < numeric.Length; i++)
            {
                var diff = Math.Abs(analytic[i] - numeric[i]);
                var tol = atol * Math.Max(1, scale) + rtol * Math.Abs(numeric[i]);
                Assert.True(diff <= tol,
                    $"input {k} element {i}: analytic {analytic[i]:G6} vs numeric {numeric[i]:G6} (diff {diff:G3} > tol {tol:G3})");
            }
        }
    }

    private static double[] Numeric(Func<Tensor[], Tensor> f, Tensor[] inputs, int k, double[] weights, double eps)
    {
        var x = inputs[k];
        var values = x.ToArray();
        var grad = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var orig = values[i];
            values[i] = (float)(orig + eps);
            var plus = Eval(f, inputs, k, values, weights);
            values[i] = (float)(orig - eps);
            var minus = Eval(f, inputs, k, values, weights);
            values[i] = orig;
            var h = (double)(float)(orig + eps) - (float)(orig - eps);
            grad[i] = (plus - minus) / h;
        }
        return grad;
    }

    private static double Eval(Func<Tensor[], Tensor> f, Tensor[] inputs, int k, float[] values, double[] weights)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        var replaced = (Tensor[])inputs.Clone();
        replaced[k] = Tensor.FromArray(values, inputs[k].Shape.ToArray());
        var y = f(replaced).ToArray();
        double sum = 0;
        for (var i = 0; i < y.Length; i++)
            sum += y[i] * weights[i];
        return sum;
    }

    private static double[] RandomWeights(int n, ulong seed)
    {
        var g = new Generator(seed);
        var w = new double[n];
        for (var i = 0; i < n; i++)
            w[i] = (float)(g.NextDouble() * 2 - 1);
        return w;
    }

    /// <summary>A leaf holding a random permutation of values 0.1 apart (centred on 0), requiring grad.</summary>
    public static Tensor Spaced(Generator g, params int[] shape)
    {
        var n = shape.Aggregate(1, (a, b) => a * b);
        var perm = g.Permutation(n);
        var t = Tensor.FromArray(perm.Select(i => (i - n / 2f) * 0.1f).ToArray(), shape);
        TensorScope.Detach(t);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>A leaf tensor with values uniform in [low, high), requiring grad.</summary>
    public static Tensor Leaf(Generator g, float low, float high, params int[] shape)
    {
        var t = Tensor.Uniform(shape, low, high, g);
        TensorScope.Detach(t);
        t.RequiresGrad = true;
        return t;
    }
}
