using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>Samplers built on <see cref="Generator"/> that the transforms need beyond uniform and normal draws.</summary>
internal static class Distributions
{
    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shapes below one.</summary>
    public static double Gamma(Generator g, double shape)
    {
        if (shape < 1)
        {
            var u = g.NextDouble();
            return Gamma(g, shape + 1) * Math.Pow(u, 1.0 / shape);
        }
        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = g.NextNormal();
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            var u = g.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
                return d * v;
        }
    }

    /// <summary>Beta(a, b) as <c>X / (X + Y)</c> with <c>X ~ Gamma(a)</c>, <c>Y ~ Gamma(b)</c>.</summary>
    public static double Beta(Generator g, double a, double b)
    {
        var x = Gamma(g, a);
        var y = Gamma(g, b);
        return x + y == 0 ? 0.5 : x / (x + y);
    }
}
