using TokenVision.Tensors.Kernels.Elementwise;

namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    // In-place operations write into this tensor's storage (and every view of it) and bump its version, so the
    // autograd engine can detect a saved tensor that changed. On a tensor that requires grad they are only
    // allowed with recording disabled (optimizer steps, initialisation).

    /// <summary>Sets every element to zero.</summary>
    public Tensor Zero_() => Fill_(0f);

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill_(float value)
    {
        CheckInPlace("Fill_");
        if (DType == DType.Float32)
        {
            if (IsContiguous)
            {
                FloatSpan.Fill(value);
            }
            else
            {
                using var src = Full([], value);
                StridedCopy.Run(FloatPtr, _strides, src.FloatPtr, new int[Rank], _shape);
            }
        }
        else
        {
            using var src = Full([], value, DType);
            CopyElements(src);
        }
        BumpVersion();
        return this;
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape, converted to this dtype) into this tensor.</summary>
    public Tensor Copy_(Tensor source)
    {
        CheckInPlace("Copy_");
        CopyFromUnchecked(source);
        return this;
    }

    /// <summary>Copy without the autograd check (used by the engine on fresh tensors).</summary>
    internal void CopyFromUnchecked(Tensor source)
    {
        ThrowIfDisposed();
        if (source.DType != DType)
        {
            using var converted = source.To(DType);
            CopyElements(converted);
        }
        else
        {
            CopyElements(source);
        }
        BumpVersion();
    }

    private void CopyElements(Tensor source)
    {
        var srcStrides = source.BroadcastStrides(_shape);
        if (source.Rank > Rank || !BroadcastShapes(_shape, source._shape).AsSpan().SequenceEqual(_shape))
            throw new ArgumentException($"Copy_: source of shape {source.Shape} does not broadcast to {Shape}");
        switch (DType.ElementSize())
        {
            case 4:
                StridedCopy.Run((int*)RawPtr, _strides, (int*)source.RawPtr, srcStrides, _shape);
                break;
            case 8:
                StridedCopy.Run((long*)RawPtr, _strides, (long*)source.RawPtr, srcStrides, _shape);
                break;
            default:
                StridedCopy.Run(RawPtr, _strides, source.RawPtr, srcStrides, _shape);
                break;
        }
    }

    /// <summary>this += alpha * other (other broadcasts to this shape).</summary>
    public Tensor Add_(Tensor other, float alpha = 1f)
    {
        CheckInPlace("Add_");
        InPlaceBinary<AddOp>(other, alpha);
        return this;
    }

    /// <summary>this -= other (other broadcasts to this shape).</summary>
    public Tensor Sub_(Tensor other)
    {
        CheckInPlace("Sub_");
        InPlaceBinary<SubOp>(other, 1f);
        return this;
    }

    /// <summary>this *= other (other broadcasts to this shape).</summary>
    public Tensor Mul_(Tensor other)
    {
        CheckInPlace("Mul_");
        InPlaceBinary<MulOp>(other, 1f);
        return this;
    }

    /// <summary>this /= other (other broadcasts to this shape).</summary>
    public Tensor Div_(Tensor other)
    {
        CheckInPlace("Div_");
        InPlaceBinary<DivOp>(other, 1f);
        return this;
    }

    /// <summary>this *= s.</summary>
    public Tensor Mul_(float s)
    {
        CheckInPlace("Mul_");
        using var scalar = Full([], s);
        InPlaceBinary<MulOp>(scalar, 1f);
        return this;
    }

    /// <summary>this += s.</summary>
    public Tensor Add_(float s)
    {
        CheckInPlace("Add_");
        using var scalar = Full([], s);
        InPlaceBinary<AddOp>(scalar, 1f);
        return this;
    }

    /// <summary>Clamps in place to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public Tensor Clamp_(float? min = null, float? max = null)
    {
        CheckInPlace("Clamp_");
        using var clamped = Clamp(min, max);
        CopyElements(clamped);
        BumpVersion();
        return this;
    }

    /// <summary>Writes <paramref name="value"/> where <paramref name="mask"/> (bool, broadcast to this shape) is true.</summary>
    public Tensor MaskedFill_(Tensor mask, float value)
    {
        CheckInPlace("MaskedFill_");
        using var filled = MaskedFill(mask, value);
        CopyElements(filled);
        BumpVersion();
        return this;
    }

    /// <summary>Fills with uniform samples in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public Tensor Uniform_(float low, float high, Generator generator) => FillRandom("Uniform_", s => FillUniform(s, low, high, generator));

    /// <summary>Fills with normal samples.</summary>
    public Tensor Normal_(float mean, float std, Generator generator) => FillRandom("Normal_", s => FillNormal(s, mean, std, generator));

    /// <summary>Fills with normal samples redrawn until inside [<paramref name="a"/>, <paramref name="b"/>] (absolute bounds, as timm).</summary>
    public Tensor TruncNormal_(float mean, float std, float a, float b, Generator generator) =>
        FillRandom("TruncNormal_", s => FillTruncNormal(s, mean, std, a, b, generator));

    private Tensor FillRandom(string op, SpanAction fill)
    {
        CheckInPlace(op);
        RequireFloat(op);
        if (IsContiguous)
        {
            fill(FloatSpan);
        }
        else
        {
            using var tmp = Empty(_shape);
            fill(tmp.FloatSpan);
            CopyElements(tmp);
        }
        BumpVersion();
        return this;
    }

    private delegate void SpanAction(Span<float> span);

    /// <summary>this += other on a fresh result tensor (no autograd check).</summary>
    internal void AddInPlaceUnchecked(Tensor other) => InPlaceBinary<AddOp>(other, 1f);

    private void InPlaceBinary<TOp>(Tensor other, float alpha) where TOp : struct, IBinaryOp
    {
        RequireFloat("in-place arithmetic");
        other.RequireFloat("in-place arithmetic");
        var shape = BroadcastShapes(_shape, other._shape);
        if (!shape.AsSpan().SequenceEqual(_shape))
            throw new ArgumentException($"in-place operation: {other.Shape} does not broadcast to {Shape}");
        using var scaled = alpha == 1f ? null : other.Mul(alpha);
        var src = scaled ?? other;
        if (IsContiguous)
        {
            ElementwiseKernel.BinaryInPlace<TOp>(FloatPtr, _shape, src.FloatPtr, src.BroadcastStrides(_shape));
        }
        else
        {
            using var tmp = Empty(_shape);
            ElementwiseKernel.Binary<TOp>(FloatPtr, _strides, src.FloatPtr, src.BroadcastStrides(_shape), tmp.FloatPtr, _shape);
            CopyElements(tmp);
        }
        BumpVersion();
    }
}
