namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    /// <summary>A float32 tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params ReadOnlySpan<int> shape)
    {
        var t = Empty(shape.Length == 0 && data.Length != 1 ? [data.Length] : shape);
        CheckLength(t, data.Length);
        data.CopyTo(t.FloatSpan);
        return t;
    }

    /// <summary>An int64 tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray(ReadOnlySpan<long> data, params ReadOnlySpan<int> shape)
    {
        var t = Empty(shape.Length == 0 && data.Length != 1 ? [data.Length] : shape, DType.Int64);
        CheckLength(t, data.Length);
        data.CopyTo(new Span<long>(t.LongPtr, t._numel));
        return t;
    }

    /// <summary>An int64 tensor from 32-bit integers (class labels, indices).</summary>
    public static Tensor FromArray(ReadOnlySpan<int> data, params ReadOnlySpan<int> shape)
    {
        var t = Empty(shape.Length == 0 && data.Length != 1 ? [data.Length] : shape, DType.Int64);
        CheckLength(t, data.Length);
        for (var i = 0; i < data.Length; i++)
            t.LongPtr[i] = data[i];
        return t;
    }

    /// <summary>A bool tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray(ReadOnlySpan<bool> data, params ReadOnlySpan<int> shape)
    {
        var t = Empty(shape.Length == 0 && data.Length != 1 ? [data.Length] : shape, DType.Bool);
        CheckLength(t, data.Length);
        for (var i = 0; i < data.Length; i++)
            t.BoolPtr[i] = data[i] ? (byte)1 : (byte)0;
        return t;
    }

    /// <summary>
    /// A contiguous tensor over memory this library does not own (for example a memory-mapped weight file), without
    /// copying. <paramref name="owner"/> is kept alive as long as any tensor uses the memory; read-only memory refuses
    /// in-place writes. The pointer must stay valid while <paramref name="owner"/> is alive.
    /// </summary>
    public static Tensor FromExternal(void* pointer, DType dtype, ReadOnlySpan<int> shape, object owner, bool readOnly = true)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (pointer == null)
            throw new ArgumentNullException(nameof(pointer));
        if ((nint)pointer % dtype.ElementSize() != 0)
            throw new ArgumentException($"FromExternal: address 0x{(nint)pointer:x} is not aligned to the {dtype.ElementSize()}-byte {dtype.Name()} element size");
        var dims = shape.ToArray();
        long n = 1;
        foreach (var d in dims)
        {
            if (d < 0)
                throw new ArgumentException($"FromExternal: negative dimension in {FormatShape(dims)}");
            n *= d;
        }
        if (n > int.MaxValue)
            throw new ArgumentException($"FromExternal: shape {FormatShape(dims)} is too large");
        var storage = Memory.Storage.External((byte*)pointer, dtype, (int)n, owner, readOnly);
        return OverStorage(storage, dims, ContiguousStrides(dims), 0);
    }

    /// <summary>As <see cref="FromExternal(void*, DType, ReadOnlySpan{int}, object, bool)"/>, with the address as an integer.</summary>
    public static Tensor FromExternal(nint address, DType dtype, ReadOnlySpan<int> shape, object owner, bool readOnly = true) =>
        FromExternal((void*)address, dtype, shape, owner, readOnly);

    private static void CheckLength(Tensor t, int length)
    {
        if (t._numel != length)
        {
            var shape = t.Shape;
            t.Dispose();
            throw new ArgumentException($"{length} values cannot fill a tensor of shape {shape} ({shape.NumElements} elements)");
        }
    }

    /// <summary>A zero-dimensional float32 tensor.</summary>
    public static Tensor Scalar(float value) => Full([], value);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params ReadOnlySpan<int> shape) => Full(shape, 0f);

    /// <summary>A tensor of zeros of the given dtype.</summary>
    public static Tensor Zeros(ReadOnlySpan<int> shape, DType dtype) => Full(shape, 0, dtype);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params ReadOnlySpan<int> shape) => Full(shape, 1f);

    /// <summary>A float32 tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(ReadOnlySpan<int> shape, float value) => Full(shape, value, DType.Float32);

    /// <summary>A tensor of the given dtype filled with <paramref name="value"/> (converted).</summary>
    public static Tensor Full(ReadOnlySpan<int> shape, double value, DType dtype)
    {
        if (DeferredAllocation.IsActive)
            return Create(shape, dtype, (float)value);
        var t = Empty(shape, dtype);
        switch (dtype)
        {
            case DType.Float32:
                t.FloatSpan.Fill((float)value);
                break;
            case DType.Int64:
                new Span<long>(t.LongPtr, t._numel).Fill((long)value);
                break;
            default:
                new Span<byte>(t.BoolPtr, t._numel).Fill(value != 0 ? (byte)1 : (byte)0);
                break;
        }
        return t;
    }

    /// <summary>Zeros with the shape and dtype of <paramref name="other"/>.</summary>
    public static Tensor ZerosLike(Tensor other) => Zeros(other.ShapeArray, other.DType);

    /// <summary>Ones with the shape and dtype of <paramref name="other"/>.</summary>
    public static Tensor OnesLike(Tensor other) => Full(other.ShapeArray, 1, other.DType);

    /// <summary>A tensor with the shape and dtype of <paramref name="other"/> filled with <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor other, double value) => Full(other.ShapeArray, value, other.DType);

    /// <summary>Values <c>start, start+step, ...</c> below <paramref name="end"/> (float32, as <c>torch.arange</c>).</summary>
    public static Tensor Arange(double start, double end, double step = 1)
    {
        if (step == 0 || double.IsNaN(step))
            throw new ArgumentException("Arange: step must be non-zero");
        var n = (int)Math.Max(0, Math.Ceiling((end - start) / step));
        var t = Empty([n]);
        for (var i = 0; i < n; i++)
            t.FloatPtr[i] = (float)(start + i * step);
        return t;
    }

    /// <summary>0, 1, ..., n-1 as float32.</summary>
    public static Tensor Arange(int n) => Arange(0, n);

    /// <summary>0, 1, ..., n-1 as int64 (indices).</summary>
    public static Tensor ArangeInt64(long start, long end, long step = 1)
    {
        if (step == 0)
            throw new ArgumentException("ArangeInt64: step must be non-zero");
        var n = (int)Math.Max(0, (end - start + step - Math.Sign(step)) / step);
        var t = Empty([n], DType.Int64);
        for (var i = 0; i < n; i++)
            t.LongPtr[i] = start + i * step;
        return t;
    }

    /// <summary><paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps)
    {
        if (steps < 0)
            throw new ArgumentException($"Linspace: steps must be non-negative, got {steps}");
        var t = Empty([steps]);
        if (steps == 1)
        {
            t.FloatPtr[0] = (float)start;
            return t;
        }
        var step = (end - start) / (steps - 1);
        // Like PyTorch: the first half counts up from start, the second half down from end (symmetric rounding).
        var half = steps / 2;
        for (var i = 0; i < steps; i++)
            t.FloatPtr[i] = (float)(i < half ? start + step * i : end - step * (steps - 1 - i));
        return t;
    }

    /// <summary>An identity matrix with <paramref name="n"/> rows and <paramref name="m"/> (default n) columns.</summary>
    public static Tensor Eye(int n, int m = -1)
    {
        if (m < 0)
            m = n;
        var t = Zeros(n, m);
        for (var i = 0; i < Math.Min(n, m); i++)
            t.FloatPtr[i * m + i] = 1;
        return t;
    }

    // ---- random ------------------------------------------------------------------------------------------------

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<int> shape, Generator generator) => Uniform(shape, 0, 1, generator);

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(ReadOnlySpan<int> shape, float low, float high, Generator generator)
    {
        var t = Empty(shape);
        FillUniform(t.FloatSpan, low, high, generator);
        return t;
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(ReadOnlySpan<int> shape, Generator generator) => Normal(shape, 0, 1, generator);

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Normal(ReadOnlySpan<int> shape, float mean, float std, Generator generator)
    {
        var t = Empty(shape);
        FillNormal(t.FloatSpan, mean, std, generator);
        return t;
    }

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) as int64.</summary>
    public static Tensor Randint(long low, long high, ReadOnlySpan<int> shape, Generator generator)
    {
        if (high <= low)
            throw new ArgumentException($"Randint: empty range [{low}, {high})");
        var t = Empty(shape, DType.Int64);
        for (var i = 0; i < t._numel; i++)
            t.LongPtr[i] = low + generator.NextInt64(high - low);
        return t;
    }

    /// <summary>Bernoulli samples (1 with probability <paramref name="p"/>) as float32 0/1.</summary>
    public static Tensor Bernoulli(ReadOnlySpan<int> shape, float p, Generator generator)
    {
        if (p is < 0 or > 1 || float.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "probability must be in [0, 1]");
        var t = Empty(shape);
        var s = t.FloatSpan;
        for (var i = 0; i < s.Length; i++)
            s[i] = generator.NextSingle() < p ? 1f : 0f;
        return t;
    }

    /// <summary>
    /// Normal samples redrawn until they fall in [<paramref name="a"/>, <paramref name="b"/>] (absolute bounds, as
    /// timm's <c>trunc_normal_(std=0.02, a=-2, b=2)</c>).
    /// </summary>
    public static Tensor TruncNormal(ReadOnlySpan<int> shape, float mean, float std, float a, float b, Generator generator)
    {
        var t = Empty(shape);
        FillTruncNormal(t.FloatSpan, mean, std, a, b, generator);
        return t;
    }

    internal static void FillUniform(Span<float> s, float low, float high, Generator generator)
    {
        var range = high - low;
        for (var i = 0; i < s.Length; i++)
            s[i] = low + range * generator.NextSingle();
    }

    internal static void FillNormal(Span<float> s, float mean, float std, Generator generator)
    {
        for (var i = 0; i < s.Length; i++)
            s[i] = (float)(mean + std * generator.NextNormal());
    }

    internal static void FillTruncNormal(Span<float> s, float mean, float std, float a, float b, Generator generator)
    {
        if (!(a < b))
            throw new ArgumentException($"TruncNormal: empty interval [{a}, {b}]");
        // Acceptance must be reasonably likely for rejection sampling to terminate quickly.
        var za = (a - mean) / std;
        var zb = (b - mean) / std;
        if (std <= 0 || zb < -6 || za > 6)
            throw new ArgumentException($"TruncNormal: interval [{a}, {b}] is outside mean {mean} +- 6 std {std}");
        for (var i = 0; i < s.Length; i++)
        {
            double v;
            do
                v = mean + std * generator.NextNormal();
            while (v < a || v > b);
            s[i] = (float)v;
        }
    }
}
