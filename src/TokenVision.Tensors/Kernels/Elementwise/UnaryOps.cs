using System.Numerics.Tensors;

namespace TokenVision.Tensors.Kernels.Elementwise;

/// <summary>A float32 unary operator: a scalar form and a contiguous span form.</summary>
internal interface IUnaryOp
{
    static abstract float Invoke(float x);

    static abstract void Invoke(ReadOnlySpan<float> x, Span<float> d);
}

/// <summary>-x.</summary>
internal readonly struct NegOp : IUnaryOp
{
    public static float Invoke(float x) => -x;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Negate(x, d);
}

/// <summary>e^x.</summary>
internal readonly struct ExpOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Exp(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Exp(x, d);
}

/// <summary>Natural logarithm.</summary>
internal readonly struct LogOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Log(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Log(x, d);
}

/// <summary>Square root.</summary>
internal readonly struct SqrtOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Sqrt(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sqrt(x, d);
}

/// <summary>1 / sqrt(x).</summary>
internal readonly struct RsqrtOp : IUnaryOp
{
    public static float Invoke(float x) => 1f / MathF.Sqrt(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        TensorPrimitives.Sqrt(x, d);
        TensorPrimitives.Reciprocal(d, d);
    }
}

/// <summary>|x|.</summary>
internal readonly struct AbsOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Abs(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Abs(x, d);
}

/// <summary>Sign: -1, 0 or 1 (NaN stays NaN).</summary>
internal readonly struct SignOp : IUnaryOp
{
    public static float Invoke(float x) => float.IsNaN(x) ? float.NaN : x > 0 ? 1f : x < 0 ? -1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++)
            d[i] = Invoke(x[i]);
    }
}

/// <summary>Sine.</summary>
internal readonly struct SinOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Sin(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sin(x, d);
}

/// <summary>Cosine.</summary>
internal readonly struct CosOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Cos(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Cos(x, d);
}

/// <summary>Hyperbolic tangent.</summary>
internal readonly struct TanhOp : IUnaryOp
{
    public static float Invoke(float x) => MathF.Tanh(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Tanh(x, d);
}

/// <summary>1 / (1 + e^-x).</summary>
internal readonly struct SigmoidOp : IUnaryOp
{
    public static float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sigmoid(x, d);
}

/// <summary>max(x, 0).</summary>
internal readonly struct ReluOp : IUnaryOp
{
    public static float Invoke(float x) => x > 0 ? x : 0f;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Max(x, 0f, d);
}

/// <summary>x * sigmoid(x).</summary>
internal readonly struct SiluOp : IUnaryOp
{
    public static float Invoke(float x) => x / (1f + MathF.Exp(-x));
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        TensorPrimitives.Sigmoid(x, d);
        TensorPrimitives.Multiply(x, d, d);
    }
}

/// <summary>log(1 + e^x), linear above 20 as in PyTorch.</summary>
internal readonly struct SoftplusOp : IUnaryOp
{
    public static float Invoke(float x) => x > 20f ? x : MathF.Log(1f + MathF.Exp(x));
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++)
            d[i] = Invoke(x[i]);
    }
}

/// <summary>The error function.</summary>
internal readonly struct ErfOp : IUnaryOp
{
    public static float Invoke(float x) => (float)ErfMath.Erf(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++)
            d[i] = Invoke(x[i]);
    }
}

/// <summary>GELU, exact form: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).</summary>
internal readonly struct GeluOp : IUnaryOp
{
    public static float Invoke(float x) => (float)(0.5 * x * (1.0 + ErfMath.Erf(x * 0.70710678118654752)));
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++)
            d[i] = Invoke(x[i]);
    }
}

/// <summary>GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
internal readonly struct GeluTanhOp : IUnaryOp
{
    public static float Invoke(float x) => 0.5f * x * (1f + MathF.Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++)
            d[i] = Invoke(x[i]);
    }
}

/// <summary>Double-precision error function (Abramowitz-Stegun 7.1.26 is too coarse; this uses erfc's continued fraction split).</summary>
internal static class ErfMath
{
    /// <summary>erf(x) accurate to about 1e-15 relative (series near 0, complementary asymptotics beyond).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
            return x;
        var ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
            var sum = ax;
            var term = ax;
            var x2 = ax * ax;
            for (var n = 1; n < 60; n++)
            {
                term *= -x2 / n;
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                    break;
            }
            var r = sum * 1.1283791670955126;
            return x < 0 ? -r : r;
        }
        if (ax > 6)
            return x < 0 ? -1 : 1;
        // erfc(x) by Lentz's continued fraction: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))).
        var f = ax;
        var c = ax;
        var d = 0.0;
        for (var k = 1; k < 200; k++)
        {
            var a = k * 0.5;
            d = ax + a * d;
            d = d == 0 ? 1e-300 : d;
            c = ax + a / c;
            c = c == 0 ? 1e-300 : c;
            d = 1 / d;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
                break;
        }
        var erfc = Math.Exp(-ax * ax) / (f * 1.7724538509055160);
        return x < 0 ? erfc - 1 : 1 - erfc;
    }
}
