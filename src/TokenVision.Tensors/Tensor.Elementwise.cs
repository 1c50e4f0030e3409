using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Elementwise;
using ActivationKind = TokenVision.Tensors.Kernels.Fused.ActivationKind;

namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    // ---- operators ---------------------------------------------------------------------------------------------

    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, float b) => a.Add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(float a, Tensor b) => b.Add(a);

    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, float b) => a.Add(-b);

    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(float a, Tensor b) => b.RSub(a);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, float b) => a.Mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(float a, Tensor b) => b.Mul(a);

    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, float b) => a.Mul(1f / b);

    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(float a, Tensor b) => b.RDiv(a);

    // ---- binary ------------------------------------------------------------------------------------------------

    /// <summary>this + other (broadcasting). int64 tensors add as integers.</summary>
    public Tensor Add(Tensor other)
    {
        if (DType == DType.Int64 && other.DType == DType.Int64)
            return IntBinary(other, static (x, y) => x + y);
        return Binary<AddOp>(other, OpKind.Add, saveInputs: false);
    }

    /// <summary>this + alpha * other (broadcasting).</summary>
    public Tensor Add(Tensor other, float alpha)
    {
        if (alpha == 1)
            return Add(other);
        using var scaled = other.Mul(alpha);
        return Add(scaled);
    }

    /// <summary>this - other (broadcasting).</summary>
    public Tensor Sub(Tensor other)
    {
        if (DType == DType.Int64 && other.DType == DType.Int64)
            return IntBinary(other, static (x, y) => x - y);
        return Binary<SubOp>(other, OpKind.Sub, saveInputs: false);
    }

    /// <summary>this * other (broadcasting).</summary>
    public Tensor Mul(Tensor other)
    {
        if (DType == DType.Int64 && other.DType == DType.Int64)
            return IntBinary(other, static (x, y) => x * y);
        return Binary<MulOp>(other, OpKind.Mul, saveInputs: true);
    }

    /// <summary>this / other (broadcasting, true division).</summary>
    public Tensor Div(Tensor other) => Binary<DivOp>(other, OpKind.Div, saveInputs: true);

    /// <summary>this raised to other (broadcasting).</summary>
    public Tensor Pow(Tensor exponent) => Binary<PowOp>(exponent, OpKind.Pow, saveInputs: true);

    /// <summary>Elementwise maximum (broadcasting; NaN propagates).</summary>
    public Tensor Maximum(Tensor other) => Binary<MaxOp>(other, OpKind.Maximum, saveInputs: true);

    /// <summary>Elementwise minimum (broadcasting; NaN propagates).</summary>
    public Tensor Minimum(Tensor other) => Binary<MinOp>(other, OpKind.Minimum, saveInputs: true);

    // ---- with a scalar -----------------------------------------------------------------------------------------

    /// <summary>this + s.</summary>
    public Tensor Add(float s) => ScalarOp<AddOp>(s, OpKind.AddScalar, save: false);

    /// <summary>this * s.</summary>
    public Tensor Mul(float s) => ScalarOp<MulOp>(s, OpKind.MulScalar, save: false);

    /// <summary>this raised to the power <paramref name="exponent"/>.</summary>
    public Tensor Pow(float exponent) => ScalarOp<PowOp>(exponent, OpKind.PowScalar, save: true);

    /// <summary>s - this.</summary>
    public Tensor RSub(float s) => ScalarOp<RSubOp>(s, OpKind.RSubScalar, save: false);

    /// <summary>s / this.</summary>
    public Tensor RDiv(float s) => ScalarOp<RDivOp>(s, OpKind.RDivScalar, save: true);

    /// <summary>this squared.</summary>
    public Tensor Square() => Pow(2f);

    /// <summary>1 / this.</summary>
    public Tensor Reciprocal() => RDiv(1f);

    // ---- unary -------------------------------------------------------------------------------------------------

    /// <summary>-x.</summary>
    public Tensor Neg() => Unary<NegOp>(OpKind.Neg, SavePolicy.None);

    /// <summary>e^x.</summary>
    public Tensor Exp() => Unary<ExpOp>(OpKind.Exp, SavePolicy.Output);

    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary<LogOp>(OpKind.Log, SavePolicy.Input);

    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Unary<SqrtOp>(OpKind.Sqrt, SavePolicy.Output);

    /// <summary>1 / sqrt(x).</summary>
    public Tensor Rsqrt() => Unary<RsqrtOp>(OpKind.Rsqrt, SavePolicy.Output);

    /// <summary>|x|.</summary>
    public Tensor Abs() => Unary<AbsOp>(OpKind.Abs, SavePolicy.Input);

    /// <summary>Sign of each element (-1, 0, 1); not differentiable, so the result is never recorded.</summary>
    public Tensor Sign()
    {
        RequireFloat("Sign");
        var result = Empty(_shape);
        ElementwiseKernel.Unary<SignOp>(FloatPtr, _strides, result.FloatPtr, _shape);
        return result;
    }

    /// <summary>Sine.</summary>
    public Tensor Sin() => Unary<SinOp>(OpKind.Sin, SavePolicy.Input);

    /// <summary>Cosine.</summary>
    public Tensor Cos() => Unary<CosOp>(OpKind.Cos, SavePolicy.Input);

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary<TanhOp>(OpKind.Tanh, SavePolicy.Output);

    /// <summary>Logistic sigmoid.</summary>
    public Tensor Sigmoid() => Unary<SigmoidOp>(OpKind.Sigmoid, SavePolicy.Output);

    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => FusedActivation(ActivationKind.Relu, OpKind.Relu);

    /// <summary>GELU: the exact erf form (PyTorch's default) or, with <paramref name="tanhApproximation"/>, the tanh form.</summary>
    public Tensor Gelu(bool tanhApproximation = false) => tanhApproximation
        ? FusedActivation(ActivationKind.GeluTanh, OpKind.GeluTanh)
        : FusedActivation(ActivationKind.GeluErf, OpKind.Gelu);

    /// <summary>x * sigmoid(x) (SiLU / swish).</summary>
    public Tensor Silu() => Unary<SiluOp>(OpKind.Silu, SavePolicy.Input);

    /// <summary>log(1 + e^x), linear for x &gt; 20 as PyTorch (beta 1, threshold 20).</summary>
    public Tensor Softplus() => Unary<SoftplusOp>(OpKind.Softplus, SavePolicy.Input);

    /// <summary>The error function.</summary>
    public Tensor Erf()
    {
        RequireFloat("Erf");
        using var xc = Contiguous();
        var result = Empty(_shape);
        var (px, py, n) = ((nint)xc.FloatPtr, (nint)result.FloatPtr, _numel);
        var isa = Isa.Current;
        Threading.WorkerPool.For(n, ElementwiseKernel.ParallelThreshold,
            (s, e) => Kernels.Fused.UnaryKernel.Apply<Kernels.Fused.ErfOp>(isa, (float*)px + s, (float*)py + s, e - s));
        return WillRecord(this) ? Record(result, OpKind.Erf, null, [this], this) : result;
    }

    /// <summary>An activation through the fused kernel; the derivative reads the input.</summary>
    private Tensor FusedActivation(ActivationKind kind, OpKind op)
    {
        RequireFloat(op.ToString());
        using var xc = Contiguous();
        var result = Empty(_shape);
        Kernels.Fused.Activation.Forward(Isa.Current, kind, xc.FloatPtr, result.FloatPtr, _numel);
        return WillRecord(this) ? Record(result, op, kind, [this], xc) : result;
    }

    /// <summary>Clamps to [<paramref name="min"/>, <paramref name="max"/>]; null leaves a side open.</summary>
    public Tensor Clamp(float? min = null, float? max = null)
    {
        var lo = min ?? float.NegativeInfinity;
        var hi = max ?? float.PositiveInfinity;
        using var src = Contiguous();
        var result = Empty(_shape);
        var s = src.FloatSpan;
        var d = result.FloatSpan;
        for (var i = 0; i < s.Length; i++)
            d[i] = float.IsNaN(s[i]) ? s[i] : Math.Clamp(s[i], lo, hi);
        return Record(result, OpKind.Clamp, (lo, hi), [this], this);
    }

    // ---- comparisons and logic (no gradient) -------------------------------------------------------------------

    /// <summary>this == other, as bool.</summary>
    public Tensor Eq(Tensor other) => Compare(other, static (a, b) => a == b);

    /// <summary>this != other, as bool.</summary>
    public Tensor Ne(Tensor other) => Compare(other, static (a, b) => a != b);

    /// <summary>this &lt; other, as bool.</summary>
    public Tensor Lt(Tensor other) => Compare(other, static (a, b) => a < b);

    /// <summary>this &lt;= other, as bool.</summary>
    public Tensor Le(Tensor other) => Compare(other, static (a, b) => a <= b);

    /// <summary>this &gt; other, as bool.</summary>
    public Tensor Gt(Tensor other) => Compare(other, static (a, b) => a > b);

    /// <summary>this &gt;= other, as bool.</summary>
    public Tensor Ge(Tensor other) => Compare(other, static (a, b) => a >= b);

    /// <summary>this == s, as bool.</summary>
    public Tensor Eq(double s) => CompareScalar(s, static (a, b) => a == b);

    /// <summary>this != s, as bool.</summary>
    public Tensor Ne(double s) => CompareScalar(s, static (a, b) => a != b);

    /// <summary>this &lt; s, as bool.</summary>
    public Tensor Lt(double s) => CompareScalar(s, static (a, b) => a < b);

    /// <summary>this &lt;= s, as bool.</summary>
    public Tensor Le(double s) => CompareScalar(s, static (a, b) => a <= b);

    /// <summary>this &gt; s, as bool.</summary>
    public Tensor Gt(double s) => CompareScalar(s, static (a, b) => a > b);

    /// <summary>this &gt;= s, as bool.</summary>
    public Tensor Ge(double s) => CompareScalar(s, static (a, b) => a >= b);

    /// <summary>Logical and of two bool tensors (broadcasting).</summary>
    public Tensor LogicalAnd(Tensor other) => Compare(other, static (a, b) => a != 0 && b != 0);

    /// <summary>Logical or of two bool tensors (broadcasting).</summary>
    public Tensor LogicalOr(Tensor other) => Compare(other, static (a, b) => a != 0 || b != 0);

    /// <summary>Logical not (non-zero becomes false).</summary>
    public Tensor LogicalNot() => CompareScalar(0, static (a, _) => a == 0);

    /// <summary>True where the element is NaN.</summary>
    public Tensor IsNaN() => CompareScalar(0, static (a, _) => double.IsNaN(a));

    /// <summary>True when every element is finite.</summary>
    public bool AllFinite()
    {
        if (DType != DType.Float32)
            return true;
        using var c = Contiguous();
        foreach (var v in c.FloatSpan)
            if (!float.IsFinite(v))
                return false;
        return true;
    }

    // ---- machinery ---------------------------------------------------------------------------------------------

    private Tensor Binary<TOp>(Tensor other, OpKind kind, bool saveInputs) where TOp : struct, IBinaryOp
    {
        RequireFloat(kind.ToString());
        other.RequireFloat(kind.ToString());
        var shape = BroadcastShapes(_shape, other._shape);
        var result = Empty(shape);
        ElementwiseKernel.Binary<TOp>(FloatPtr, BroadcastStrides(shape), other.FloatPtr, other.BroadcastStrides(shape), result.FloatPtr, shape);
        if (!WillRecord(this, other))
            return result;
        return saveInputs ? Record(result, kind, null, [this, other], this, other) : Record(result, kind, null, [this, other]);
    }

    private Tensor ScalarOp<TOp>(float s, OpKind kind, bool save) where TOp : struct, IBinaryOp
    {
        RequireFloat(kind.ToString());
        var result = Empty(_shape);
        using var scalar = Full([], s);
        ElementwiseKernel.Binary<TOp>(FloatPtr, _strides, scalar.FloatPtr, new int[Rank], result.FloatPtr, _shape);
        if (!WillRecord(this))
            return result;
        return save ? Record(result, kind, s, [this], this) : Record(result, kind, s, [this]);
    }

    private enum SavePolicy { None, Input, Output }

    private Tensor Unary<TOp>(OpKind kind, SavePolicy save) where TOp : struct, Kernels.Elementwise.IUnaryOp
    {
        RequireFloat(kind.ToString());
        var result = Empty(_shape);
        ElementwiseKernel.Unary<TOp>(FloatPtr, _strides, result.FloatPtr, _shape);
        if (!WillRecord(this))
            return result;
        return save switch
        {
            SavePolicy.Input => Record(result, kind, null, [this], this),
            SavePolicy.Output => Record(result, kind, null, [this], result),
            _ => Record(result, kind, null, [this]),
        };
    }

    private Tensor Compare(Tensor other, Func<double, double, bool> predicate)
    {
        var shape = BroadcastShapes(_shape, other._shape);
        using var a = ExpandTo(shape);
        using var b = other.ExpandTo(shape);
        var av = a.ReadAsDouble();
        var bv = b.ReadAsDouble();
        var result = Empty(shape, DType.Bool);
        var dst = result.BoolPtr;
        for (var i = 0; i < av.Length; i++)
            dst[i] = predicate(av[i], bv[i]) ? (byte)1 : (byte)0;
        return result;
    }

    private Tensor CompareScalar(double s, Func<double, double, bool> predicate)
    {
        var av = ReadAsDouble();
        var result = Empty(_shape, DType.Bool);
        var dst = result.BoolPtr;
        for (var i = 0; i < av.Length; i++)
            dst[i] = predicate(av[i], s) ? (byte)1 : (byte)0;
        return result;
    }

    private Tensor IntBinary(Tensor other, Func<long, long, long> op)
    {
        var shape = BroadcastShapes(_shape, other._shape);
        using var a = ExpandTo(shape);
        using var b = other.ExpandTo(shape);
        using var ac = a.CopyToContiguous();
        using var bc = b.CopyToContiguous();
        var result = Empty(shape, DType.Int64);
        for (var i = 0; i < result._numel; i++)
            result.LongPtr[i] = op(ac.LongPtr[i], bc.LongPtr[i]);
        return result;
    }

    /// <summary>The elements, row-major, as doubles (any dtype).</summary>
    internal double[] ReadAsDouble()
    {
        using var c = CopyToContiguous();
        var result = new double[_numel];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = DType switch
            {
                DType.Float32 => c.FloatPtr[i],
                DType.Int64 => c.LongPtr[i],
                _ => c.BoolPtr[i],
            };
        }
        return result;
    }

    /// <summary>A non-recording broadcast view (for kernels that read operands).</summary>
    private Tensor ExpandTo(int[] shape) => ViewOf(shape, BroadcastStrides(shape), _offset);

    internal void RequireFloat(string op)
    {
        ThrowIfDisposed();
        if (DType != DType.Float32)
            throw new InvalidOperationException($"{op} needs a float32 tensor, got {DType.Name()} of shape {Shape}");
    }

    /// <summary>NumPy broadcasting: dimensions aligned from the right must be equal or 1.</summary>
    internal static int[] BroadcastShapes(int[] a, int[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {FormatShape(a)} and {FormatShape(b)} cannot be broadcast together (dimension {i}: {da} vs {db})");
            shape[i] = da == 1 ? db : da;
        }
        return shape;
    }

    /// <summary>This tensor's strides when broadcast to <paramref name="shape"/> (0 on broadcast dimensions).</summary>
    internal int[] BroadcastStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        var lead = shape.Length - Rank;
        for (var i = lead; i < shape.Length; i++)
            strides[i] = _shape[i - lead] == 1 && shape[i] != 1 ? 0 : _strides[i - lead];
        return strides;
    }
}
