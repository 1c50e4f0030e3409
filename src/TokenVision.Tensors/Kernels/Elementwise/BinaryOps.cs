using System.Numerics.Tensors;

namespace TokenVision.Tensors.Kernels.Elementwise;

/// <summary>A float32 binary operator: a scalar form and span forms for the three contiguous broadcast patterns.</summary>
internal interface IBinaryOp
{
    static abstract float Invoke(float a, float b);

    static abstract void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d);

    static abstract void Invoke(ReadOnlySpan<float> a, float b, Span<float> d);

    static abstract void Invoke(float a, ReadOnlySpan<float> b, Span<float> d);
}

/// <summary>a + b.</summary>
internal readonly struct AddOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a + b;
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Add(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Add(a, b, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Add(b, a, d);
}

/// <summary>a - b.</summary>
internal readonly struct SubOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a - b;
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Subtract(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Subtract(a, b, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Subtract(a, b, d);
}

/// <summary>a * b.</summary>
internal readonly struct MulOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a * b;
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Multiply(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Multiply(a, b, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Multiply(b, a, d);
}

/// <summary>a / b.</summary>
internal readonly struct DivOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a / b;
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Divide(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Divide(a, b, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Divide(a, b, d);
}

/// <summary>a raised to b.</summary>
internal readonly struct PowOp : IBinaryOp
{
    public static float Invoke(float a, float b) => MathF.Pow(a, b);
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Pow(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d)
    {
        if (b == 2)
            TensorPrimitives.Multiply(a, a, d);
        else if (b == 1)
            a.CopyTo(d);
        else if (b == 0.5f)
            TensorPrimitives.Sqrt(a, d);
        else
            TensorPrimitives.Pow(a, b, d);
    }
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Pow(a, b, d);
}

/// <summary>Elementwise maximum; NaN propagates as in torch.maximum.</summary>
internal readonly struct MaxOp : IBinaryOp
{
    public static float Invoke(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Max(a, b);
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Max(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Max(a, b, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Max(b, a, d);
}

/// <summary>Elementwise minimum; NaN propagates as in torch.minimum.</summary>
internal readonly struct MinOp : IBinaryOp
{
    public static float Invoke(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Min(a, b);
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Min(a, b, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Min(a, b, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Min(b, a, d);
}

/// <summary>s - x, with the scalar as the second operand.</summary>
internal readonly struct RSubOp : IBinaryOp
{
    public static float Invoke(float a, float b) => b - a;
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Subtract(b, a, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Subtract(b, a, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Subtract(b, a, d);
}

/// <summary>s / x, with the scalar as the second operand.</summary>
internal readonly struct RDivOp : IBinaryOp
{
    public static float Invoke(float a, float b) => b / a;
    public static void Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Divide(b, a, d);
    public static void Invoke(ReadOnlySpan<float> a, float b, Span<float> d) => TensorPrimitives.Divide(b, a, d);
    public static void Invoke(float a, ReadOnlySpan<float> b, Span<float> d) => TensorPrimitives.Divide(b, a, d);
}
