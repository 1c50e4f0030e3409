using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;

namespace TokenVision.Tensors;

public static partial class Functional
{
    /// <summary>
    /// softmax(Q·Kᵀ·scale + mask)·V over the last two dimensions of [..., Nq, d], [..., Nk, d], [..., Nk, dv], as
    /// torch's scaled_dot_product_attention. <paramref name="mask"/> is either additive (float, e.g. a relative
    /// position bias or a Swin shift mask) or boolean (true = attend); either broadcasts to [..., Nq, Nk].
    /// <paramref name="scale"/> defaults to 1/sqrt(d). Dropout applies to the attention weights in training.
    /// </summary>
    /// <remarks>
    /// Without dropout this runs the fused kernel (tiled online softmax, O(N·d) memory, strided q/k/v views and
    /// broadcast masks read in place) with its own backward; a row whose every key is masked gives zeros, as current
    /// PyTorch does. With dropout it runs the explicit softmax.
    /// </remarks>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, float dropoutP = 0f,
        bool isCausal = false, float? scale = null, Generator? generator = null) =>
        Attention(q, k, v, mask, dropoutP, isCausal, scale, generator, mergeHeads: false);

    /// <summary>
    /// <see cref="ScaledDotProductAttention"/> on q [B, H, Nq, d], k [B, H, Nk, d], v [B, H, Nk, dv] with the heads
    /// merged into the output's channels: [B, Nq, H·dv], the layout a ViT block's output projection reads
    /// (torch: <c>sdpa(q, k, v).transpose(1, 2).reshape(B, Nq, H * dv)</c>).
    /// </summary>
    /// <remarks>
    /// The fused kernel writes each head straight into its channel slice, so no transpose or copy follows; q, k, v may
    /// be strided views, such as the slices of a packed qkv projection [B, N, 3, H, d] permuted to [3, B, H, N, d].
    /// </remarks>
    public static Tensor ScaledDotProductAttentionMergedHeads(Tensor q, Tensor k, Tensor v, Tensor? mask = null, float dropoutP = 0f,
        bool isCausal = false, float? scale = null, Generator? generator = null)
    {
        if (q.Rank != 4)
            throw new ArgumentException($"ScaledDotProductAttentionMergedHeads: q must be [B, H, Nq, d], got {q.Shape}");
        return Attention(q, k, v, mask, dropoutP, isCausal, scale, generator, mergeHeads: true);
    }

    private static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, float dropoutP, bool isCausal, float? scale,
        Generator? generator, bool mergeHeads)
    {
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
            throw new ArgumentException($"ScaledDotProductAttention: q {q.Shape}, k {k.Shape}, v {v.Shape} must have the same rank (at least 2)");
        var d = q.ShapeArray[^1];
        if (k.ShapeArray[^1] != d || k.ShapeArray[^2] != v.ShapeArray[^2])
            throw new ArgumentException($"ScaledDotProductAttention: q {q.Shape}, k {k.Shape}, v {v.Shape} disagree on the head or key dimension");
        var s = scale ?? 1f / MathF.Sqrt(d);
        if (dropoutP == 0 && FusedLayout(q, k, v, mask) is { } layout)
            return FusedAttention(q, k, v, mask, isCausal, s, layout, mergeHeads);
        if (mergeHeads)
        {
            using var heads = Attention(q, k, v, mask, dropoutP, isCausal, scale, generator, mergeHeads: false);
            using var t = heads.Transpose(1, 2);
            return t.Reshape(heads.ShapeArray[0], heads.ShapeArray[2], heads.ShapeArray[1] * heads.ShapeArray[3]);
        }
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

    /// <summary>How q, k, v (and the mask) map onto the kernel's [B, H, N, d] addressing, or null when they do not.</summary>
    internal sealed record AttentionLayout(int Batch, int Heads, int Nq, int Nk, int D, int Dv);

    private static AttentionLayout? FusedLayout(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        if (q.Rank is < 2 or > 4 || q.DType != DType.Float32 || k.DType != DType.Float32 || v.DType != DType.Float32)
            return null;
        // Leading dimensions must agree exactly (no broadcasting between q, k and v) and the feature dim be contiguous.
        var lead = q.ShapeArray[..^2];
        if (!k.ShapeArray[..^2].AsSpan().SequenceEqual(lead) || !v.ShapeArray[..^2].AsSpan().SequenceEqual(lead))
            return null;
        foreach (var t in (ReadOnlySpan<Tensor>)[q, k, v])
            if (t.StrideArray[^1] != 1 && t.ShapeArray[^1] > 1)
                return null;
        if (mask is not null)
        {
            var scores = (int[])[.. lead, q.ShapeArray[^2], k.ShapeArray[^2]];
            if (mask.DType == DType.Int64 || mask.Rank > scores.Length || !Tensor.BroadcastShapes(mask.ShapeArray, scores).AsSpan().SequenceEqual(scores))
                return null;
        }
        var batch = q.Rank == 4 ? q.ShapeArray[0] : q.Rank == 3 ? q.ShapeArray[0] : 1;
        var heads = q.Rank == 4 ? q.ShapeArray[1] : 1;
        return new AttentionLayout(batch, heads, q.ShapeArray[^2], k.ShapeArray[^2], q.ShapeArray[^1], v.ShapeArray[^1]);
    }

    /// <summary>A tensor's [B, H, N, d] strides as a kernel operand.</summary>
    private static unsafe AttentionOperand Operand(Tensor t)
    {
        var st = t.StrideArray;
        return t.Rank switch
        {
            4 => new AttentionOperand(t.FloatPtr, st[0], st[1], st[2]),
            3 => new AttentionOperand(t.FloatPtr, st[0], 0, st[1]),
            _ => new AttentionOperand(t.FloatPtr, 0, 0, st[0]),
        };
    }

    /// <summary>A mask's strides broadcast to the scores [..., Nq, Nk] of a rank-<paramref name="rank"/> query, as [B, H, Nq, Nk] (0 = broadcast).</summary>
    private static long[] ScoreStrides(Tensor mask, AttentionLayout l, int rank)
    {
        int[] scores = rank switch
        {
            4 => [l.Batch, l.Heads, l.Nq, l.Nk],
            3 => [l.Batch, l.Nq, l.Nk],
            _ => [l.Nq, l.Nk],
        };
        var st = mask.BroadcastStrides(scores);
        return rank switch
        {
            4 => [st[0], st[1], st[2], st[3]],
            3 => [st[0], 0, st[1], st[2]],
            _ => [0, 0, st[0], st[1]],
        };
    }

    private static unsafe Tensor FusedAttention(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, float scale, AttentionLayout l, bool mergeHeads)
    {
        // Merged heads: O [B, H, Nq, dv] is a view of a [B, Nq, H, dv] buffer, so each head lands in its channel slice.
        Tensor output;
        if (mergeHeads)
        {
            using var buffer = Tensor.Empty([l.Batch, l.Nq, l.Heads, l.Dv]);
            output = buffer.Transpose(1, 2);
        }
        else
        {
            output = Tensor.Empty([.. q.ShapeArray[..^1], l.Dv]);
        }
        // The log-sum-exp is for the backward only: without recording it is neither computed nor stored.
        var record = Tensor.WillRecord(q, k) || Tensor.WillRecord(v, mask);
        using var lse = record ? Tensor.Empty([l.Batch, l.Heads, l.Nq]) : null;
        var problem = Problem(q, k, v, mask, causal, scale, l);
        if (FlopCounter.Add((long)l.Batch * l.Heads * l.Nq * l.Nk * (l.D + l.Dv)))
            Kernels.Attention.FusedAttention.Forward(problem, Operand(output), lse is null ? null : lse.FloatPtr, Isa.Current);
        else
            output.Zero_();
        if (record)
        {
            Tensor[] saved = mask is null ? [q, k, v, output, lse!] : [q, k, v, output, lse!, mask];
            var maskInput = mask is not null && mask.DType == DType.Float32 ? mask : null;
            output = Tensor.Record(output, OpKind.Attention, new AttentionCtx(l, scale, causal), [q, k, v, maskInput], saved);
        }
        if (!mergeHeads)
            return output;
        using (output)
        {
            using var tokensMajor = output.Transpose(1, 2);     // [B, Nq, H, dv], contiguous
            return tokensMajor.Reshape(l.Batch, l.Nq, l.Heads * l.Dv);
        }
    }

    private static unsafe AttentionProblem Problem(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, float scale, AttentionLayout l)
    {
        var bias = ScoreTerm<float>.None;
        var boolMask = ScoreTerm<byte>.None;
        if (mask is not null)
        {
            var st = ScoreStrides(mask, l, q.Rank);
            if (mask.DType == DType.Bool)
                boolMask = new ScoreTerm<byte>(mask.BoolPtr, st[0], st[1], st[2], st[3]);
            else
                bias = new ScoreTerm<float>(mask.FloatPtr, st[0], st[1], st[2], st[3]);
        }
        return new AttentionProblem
        {
            Batch = l.Batch, Heads = l.Heads, QueryLength = l.Nq, KeyLength = l.Nk, HeadDim = l.D, ValueDim = l.Dv,
            Query = Operand(q), Key = Operand(k), Value = Operand(v), Scale = scale, Bias = bias, Mask = boolMask, Causal = causal,
        };
    }

    internal sealed record AttentionCtx(AttentionLayout Layout, float Scale, bool Causal);

    internal static unsafe Tensor?[] AttentionBackward(Node node, Tensor g)
    {
        var ctx = (AttentionCtx)node.Ctx!;
        var s = node.Saved;
        var (q, k, v, o, lse) = (s[0], s[1], s[2], s[3], s[4]);
        var mask = s.Length > 5 ? s[5] : null;
        var l = ctx.Layout;
        // dO is read through its strides (a merged-heads output's gradient arrives as a [B, Nq, H·dv] buffer).
        using var gc = g.StrideArray[^1] == 1 ? g.ViewOf(g.ShapeArray, g.StrideArray, g.StorageOffset) : g.Contiguous();
        var dq = Tensor.Empty(q.ShapeArray);
        var dk = Tensor.Empty(k.ShapeArray);
        var dv = Tensor.Empty(v.ShapeArray);
        Tensor? dbias = null;
        var biasGrad = ScoreTerm<float>.None;
        if (mask is not null && mask.DType == DType.Float32 && node.NeedsGrad(3))
        {
            dbias = Tensor.Empty(mask.ShapeArray);
            var st = ScoreStrides(dbias, l, q.Rank);
            biasGrad = new ScoreTerm<float>(dbias.FloatPtr, st[0], st[1], st[2], st[3]);
        }
        var problem = Problem(q, k, v, mask, ctx.Causal, ctx.Scale, l);
        Kernels.Attention.FusedAttention.Backward(problem, Operand(o), Operand(gc), lse.FloatPtr, Operand(dq), Operand(dk), Operand(dv), biasGrad, Isa.Current);
        return [dq, dk, dv, dbias];
    }
}
