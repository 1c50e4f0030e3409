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
