namespace TokenVision.Tensors;

public static partial class Functional
{
    /// <summary>
    /// softmax(Q·Kᵀ·scale + mask)·V over the last two dimensions of [..., Nq, d], [..., Nk, d], [..., Nk, dv], as
    /// torch's scaled_dot_product_attention. <paramref name="mask"/> is either additive (float, e.g. a relative
    /// position bias or a Swin shift mask) or boolean (true = attend); either broadcasts to [..., Nq, Nk].
    /// <paramref name="scale"/> defaults to 1/sqrt(d). Dropout applies to the attention weights in training.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, float dropoutP = 0f,
        bool isCausal = false, float? scale = null, Generator? generator = null)
    {
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
            throw new ArgumentException($"ScaledDotProductAttention: q {q.Shape}, k {k.Shape}, v {v.Shape} must have the same rank (at least 2)");
        var d = q.ShapeArray[^1];
        if (k.ShapeArray[^1] != d || k.ShapeArray[^2] != v.ShapeArray[^2])
            throw new ArgumentException($"ScaledDotProductAttention: q {q.Shape}, k {k.Shape}, v {v.Shape} disagree on the head or key dimension");
        var s = scale ?? 1f / MathF.Sqrt(d);
        using var kt = k.MT;
        using var raw = q.MatMul(kt);
        var scores = raw.Mul(s);
        if (isCausal)
        {
            var nq = q.ShapeArray[^2];
            var nk = k.ShapeArray[^2];
            var causal = new bool[nq * nk];
            for (var i = 0; i < nq; i++)
                for (var j = 0; j < nk; j++)
                    causal[i * nk + j] = j > i;
            using var cm = Tensor.FromArray(causal, nq, nk);
            using var old = scores;
            scores = old.MaskedFill(cm, float.NegativeInfinity);
        }
        if (mask is not null)
        {
            using var old = scores;
            if (mask.DType == DType.Bool)
            {
                using var blocked = mask.LogicalNot();
                using var expanded = blocked.ViewOf(old.ShapeArray, blocked.BroadcastStrides(old.ShapeArray), blocked.StorageOffset);
                scores = old.MaskedFill(expanded, float.NegativeInfinity);
            }
            else
            {
                scores = old + mask;
            }
        }
        using (scores)
        {
            using var attn = Softmax(scores, -1);
            if (dropoutP > 0)
            {
                if (generator is null)
                    throw new ArgumentException("ScaledDotProductAttention: dropout needs a Generator");
                using var dropped = Dropout(attn, dropoutP, training: true, generator);
                return dropped.MatMul(v);
            }
            return attn.MatMul(v);
        }
    }
}
