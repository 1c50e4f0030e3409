using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Gemm;
using ActivationKind = TokenVision.Tensors.Kernels.Fused.ActivationKind;

namespace TokenVision.Tensors;

public sealed unsafe partial class Tensor
{
    /// <summary>
    /// Matrix product with torch.matmul semantics: 1-D operands are promoted (and the added dimension removed),
    /// leading batch dimensions broadcast. Transposed views are multiplied without copying.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        RequireFloat("MatMul");
        other.RequireFloat("MatMul");
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least one dimension, got {Shape} and {other.Shape}");
        if (Rank == 1 || other.Rank == 1)
        {
            using var a2 = Rank == 1 ? Unsqueeze(0) : Identity();
            using var b2 = other.Rank == 1 ? other.Unsqueeze(-1) : other.Identity();
            using var r = a2.MatMul(b2);
            if (Rank == 1 && other.Rank == 1)
                return r.Reshape([]);
            return Rank == 1 ? r.Squeeze(-2) : r.Squeeze(-1);
        }
        var m = _shape[^2];
        var k = _shape[^1];
        var n = other._shape[^1];
        if (other._shape[^2] != k)
            throw new ArgumentException($"MatMul: shapes {Shape} and {other.Shape} cannot be multiplied ({m}x{k} and {other._shape[^2]}x{n})");
        var batchShape = BroadcastShapes(_shape[..^2], other._shape[..^2]);
        var outShape = (int[])[.. batchShape, m, n];
        var result = Empty(outShape);
        MatMulInto(this, other, result, batchShape, m, n, k, alpha: 1, beta: 0);
        return Record(result, OpKind.MatMul, null, [this, other], this, other);
    }

    /// <summary>Batched matrix product of [B, M, K] and [B, K, N] (torch.bmm).</summary>
    public Tensor Bmm(Tensor other)
    {
        if (Rank != 3 || other.Rank != 3 || _shape[0] != other._shape[0])
            throw new ArgumentException($"Bmm needs [B, M, K] and [B, K, N] with equal B, got {Shape} and {other.Shape}");
        return MatMul(other);
    }

    /// <summary>C = alpha * A·B + beta * C over broadcast batches; C is contiguous with shape [batch..., M, N].</summary>
    internal static void MatMulInto(Tensor a, Tensor b, Tensor c, int[] batchShape, int m, int n, int k, float alpha, float beta)
    {
        var batch = 1;
        foreach (var d in batchShape)
            batch *= d;
        if (batch == 0 || m == 0 || n == 0)
            return;
        if (!FlopCounter.Add((long)batch * m * n * k))
        {
            if (beta == 0f)
                c.Zero_();
            return;
        }
        using var av = a.ViewOf([.. batchShape, m, k], a.BroadcastStrides([.. batchShape, m, k]), a._offset);
        using var bv = b.ViewOf([.. batchShape, k, n], b.BroadcastStrides([.. batchShape, k, n]), b._offset);
        var (aT, lda, aStride, aOwned) = MatrixOperand(av, m, k);
        var (bT, ldb, bStride, bOwned) = MatrixOperand(bv, k, n);
        try
        {
            var ap = (aOwned ?? av).FloatPtr;
            var bp = (bOwned ?? bv).FloatPtr;
            if (batch == 1)
                Sgemm.Multiply(Isa.Current, aT, bT, m, n, k, alpha, ap, lda, bp, ldb, beta, c.FloatPtr, n);
            else
                Sgemm.MultiplyBatched(Isa.Current, aT, bT, batch, m, n, k, alpha, ap, lda, aStride, bp, ldb, bStride, beta, c.FloatPtr, n, (long)m * n);
        }
        finally
        {
            aOwned?.Dispose();
            bOwned?.Dispose();
        }
    }

    /// <summary>
    /// How to pass a [batch..., rows, cols] operand to GEMM: transposed or not, its leading dimension and batch
    /// stride; a contiguous copy is made only when the strides cannot be expressed that way.
    /// </summary>
    private static (bool Trans, int Ld, long BatchStride, Tensor? Copy) MatrixOperand(Tensor t, int rows, int cols)
    {
        var r = t.Rank;
        var rs = t._strides[r - 2];
        var cs = t._strides[r - 1];
        if (TryBatchStride(t, out var batchStride))
        {
            if ((cs == 1 || cols == 1) && rs >= Math.Max(cols, 1))
                return (false, Math.Max(rs, Math.Max(cols, 1)), batchStride, null);
            if ((rs == 1 || rows == 1) && cs >= Math.Max(rows, 1))
                return (true, Math.Max(cs, Math.Max(rows, 1)), batchStride, null);
        }
        var copy = t.CopyToContiguous();
        return (false, Math.Max(cols, 1), (long)rows * cols, copy);
    }

    /// <summary>True when the batch dimensions collapse to one stride (broadcast batches give 0).</summary>
    private static bool TryBatchStride(Tensor t, out long stride)
    {
        stride = 0;
        var r = t.Rank;
        var nb = r - 2;
        var first = true;
        long expected = 0;
        for (var i = nb - 1; i >= 0; i--)
        {
            if (t._shape[i] == 1)
                continue;
            if (first)
            {
                stride = t._strides[i];
                expected = stride * t._shape[i];
                first = false;
                continue;
            }
            if (t._strides[i] != expected)
                return false;
            expected *= t._shape[i];
        }
        // Broadcast (stride 0) is expressible only when all batch dims broadcast.
        if (stride == 0)
        {
            for (var i = 0; i < nb; i++)
                if (t._shape[i] != 1 && t._strides[i] != 0)
                    return false;
        }
        return true;
    }

    /// <summary>y = x·Wᵀ + b over the last dimension of <paramref name="input"/> (torch.nn.functional.linear).</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        var result = LinearForward(input, weight, bias, ActivationKind.None);
        return Record(result, OpKind.Linear, null, [input, weight, bias], input, weight);
    }

    /// <summary>
    /// GELU(x·Wᵀ + b), the exact erf form or, with <paramref name="tanhApproximation"/>, the tanh form: the same
    /// values, bit for bit, as <see cref="Linear"/> followed by <see cref="Gelu"/>. When no gradient is recorded
    /// (inference, or inside <c>Grad.Disabled()</c>) and the output width is a multiple of 16, the activation is
    /// applied by the matrix product to each output tile while it is in cache, saving a pass over the output;
    /// otherwise, and whenever a gradient is recorded, it runs as the two recorded operations.
    /// </summary>
    public static Tensor LinearGelu(Tensor input, Tensor weight, Tensor? bias = null, bool tanhApproximation = false) =>
        LinearActivation(input, weight, bias, tanhApproximation ? ActivationKind.GeluTanh : ActivationKind.GeluErf);

    /// <summary>
    /// max(x·Wᵀ + b, 0): the same values as <see cref="Linear"/> followed by <see cref="Relu"/>, with the ReLU
    /// applied by the matrix product when nothing is recorded (see <see cref="LinearGelu"/>).
    /// </summary>
    public static Tensor LinearRelu(Tensor input, Tensor weight, Tensor? bias = null) =>
        LinearActivation(input, weight, bias, ActivationKind.Relu);

    private static Tensor LinearActivation(Tensor input, Tensor weight, Tensor? bias, ActivationKind activation)
    {
        var record = WillRecord(input, weight) || WillRecord(weight, bias);
        // The epilogue applies the activation per output row with the vector body of the standalone kernel; with a
        // width that is a multiple of every vector width (16) no element falls to the scalar tail in either, so
        // both give the same bits. Other widths, and recorded calls, take the two operations.
        if (!record && weight.Rank == 2 && weight._shape[0] % 16 == 0)
            return LinearForward(input, weight, bias, activation);
        using var h = Linear(input, weight, bias);
        return activation switch
        {
            ActivationKind.Relu => h.Relu(),
            ActivationKind.GeluTanh => h.Gelu(tanhApproximation: true),
            _ => h.Gelu(),
        };
    }

    /// <summary>act(x·Wᵀ + b) by one GEMM with the bias and activation in its epilogue (not recorded).</summary>
    private static Tensor LinearForward(Tensor input, Tensor weight, Tensor? bias, ActivationKind activation)
    {
        input.RequireFloat("Linear");
        weight.RequireFloat("Linear");
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: weight must be [out, in], got {weight.Shape}");
        var outF = weight._shape[0];
        var inF = weight._shape[1];
        if (input.Rank == 0 || input._shape[^1] != inF)
            throw new ArgumentException($"Linear: input {input.Shape} does not end in {inF} features (weight {weight.Shape})");
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != outF))
            throw new ArgumentException($"Linear: bias must be [{outF}], got {bias.Shape}");
        var rows = input._numel / Math.Max(inF, 1);
        var outShape = (int[])[.. input._shape[..^1], outF];
        var result = Empty(outShape);
        if (!FlopCounter.Add((long)rows * outF * inF))
            return result.Zero_();
        using var x2 = input.Reshape(rows, inF);
        using var xc = x2.IsContiguous ? null : x2.CopyToContiguous();
        var xs = xc ?? x2;
        using var wc = weight._strides[1] == 1 || weight._strides[0] == 1 ? null : weight.CopyToContiguous();
        var w = wc ?? weight;
        var wTransposed = w._strides[1] == 1;   // row-major [out, in] means op(B) = Wᵀ
        var ldw = wTransposed ? Math.Max(w._strides[0], Math.Max(inF, 1)) : Math.Max(w._strides[1], Math.Max(outF, 1));
        using var b = bias?.Contiguous();
        var epilogue = new GemmEpilogue(b is null ? null : b.FloatPtr, activation);
        Sgemm.Multiply(Isa.Current, false, wTransposed, rows, outF, inF, 1f, xs.FloatPtr, Math.Max(xs._strides[0], Math.Max(inF, 1)),
            w.FloatPtr, ldw, 0f, result.FloatPtr, Math.Max(outF, 1), epilogue);
        return result;
    }
}
