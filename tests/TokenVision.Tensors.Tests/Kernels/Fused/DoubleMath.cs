namespace TokenVision.Tensors.Tests.Kernels.Fused;

/// <summary>Double-precision references for the fused kernels' tests.</summary>
internal static class DoubleMath
{
    /// <summary>erf(x) from its everywhere-convergent series of positive terms, 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (2n+1)!!.</summary>
    public static double Erf(double x)
    {
        var a = Math.Abs(x);
        if (a > 6)
            return Math.Sign(x);
        var term = a;
        var sum = a;
        var twoX2 = 2 * a * a;
        for (var n = 1; n < 500; n++)
        {
            term *= twoX2 / (2 * n + 1);
            sum += term;
            if (term < 1e-18 * sum)
                break;
        }
        return Math.CopySign(2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum, x);
    }

    public static double GeluErf(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>
    /// erfc(z) e^(z^2) for z &gt;= 0 without cancellation: from the series below 2.5, else from the continued fraction
    /// erfc(z) = e^(-z^2) / sqrt(pi) / (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...)))).
    /// </summary>
    public static double ScaledErfc(double z)
    {
        if (z < 2.5)
            return Math.Exp(z * z) * (1 - Erf(z));
        var f = z;
        for (var k = 200; k >= 1; k--)
            f = z + k / 2.0 / f;
        return 1 / (Math.Sqrt(Math.PI) * f);
    }

    /// <summary>The standard normal CDF, accurate relative to itself in the lower tail.</summary>
    public static double Phi(double x)
    {
        var tail = 0.5 * ScaledErfc(Math.Abs(x) / Math.Sqrt(2)) * Math.Exp(-0.5 * x * x);
        return x < 0 ? tail : 1 - tail;
    }

    /// <summary>x Phi(x), accurate relative to itself for x &lt; 0 too.</summary>
    public static double GeluErfTail(double x) => x * Phi(x);

    public static double GeluErfGrad(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2))) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static double GeluTanhGrad(double x)
    {
        var k = Math.Sqrt(2 / Math.PI);
        var t = Math.Tanh(k * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
    }
}
