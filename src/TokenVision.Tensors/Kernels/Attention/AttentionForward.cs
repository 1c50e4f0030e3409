using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// Tiled attention forward at one instruction-set level (FlashAttention's online softmax): each work unit is
/// one (batch, head, block of <see cref="QueryBlock"/> queries); it walks the keys in blocks of
/// <see cref="KeyBlock"/>, keeping a running row maximum m, row sum l and an unnormalised output accumulator.
/// </summary>
/// <remarks>
/// Per key block: S = (scale·Q)·Kᵀ (keys in vector lanes, Kᵀ packed once per (b, h) per thread; V read in place when its rows are whole aligned vectors, else packed), bias added, masked
/// scores set to −∞; m' = max(m, rowmax S); P = e^(S − m'); l = l·e^(m − m') + rowsum P; acc = acc·e^(m − m') + P·V.
/// At the end O = acc / l and L = m + ln l. Working memory per thread is O(Nk·(d + dv) + block²), never O(Nq·Nk).
/// Every output row is computed by the same sequence of operations whichever thread runs it, so results do not
/// depend on the thread count.
/// </remarks>
/// <typeparam name="TOps">The instruction-set level.</typeparam>
/// <typeparam name="TVec">Its register type.</typeparam>
internal static unsafe class AttentionForward<TOps, TVec>
    where TOps : struct, ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <summary>Queries per work unit (a multiple of the 6-row register tile).</summary>
    public const int QueryBlock = 72;

    /// <summary>Keys per online-softmax step (a multiple of 64, the widest register tile). Results depend on it.</summary>
    public const int KeyBlock = 256;

    /// <summary>Queries taken through scores, softmax and P·V together (a multiple of 6; their scores stay in L1).</summary>
    public const int RowGroup = 24;

    private const int KeyPad = 16;

    /// <summary>Runs the forward pass for every (b, h) on the worker pool.</summary>
    public static void Run(in AttentionProblem problem, AttentionOperand output, float* logSumExp)
    {
        var job = new Job(problem, output, logSumExp);
        var qBlocks = (problem.QueryLength + QueryBlock - 1) / QueryBlock;
        var units = problem.Batch * problem.Heads * qBlocks;
        AttentionWorkQueue.Run(units, job.Work);
    }

    private sealed class Job(AttentionProblem p, AttentionOperand output, float* logSumExp)
    {
        public void Work(AttentionWorkQueue queue)
        {
            int d = p.HeadDim, dv = p.ValueDim, nk = p.KeyLength, w = TOps.Count;
            var qBlocks = (p.QueryLength + QueryBlock - 1) / QueryBlock;
            var nkPad = RoundUp(nk, KeyPad);
            var dvPad = RoundUp(dv, w);
            // Rows of whole, aligned vectors are read where they are (P·V only reads the first dv columns of each row):
            // a copy would only move the same bytes once more. Unaligned rows are copied, as loads across cache lines
            // cost more than the copy (about 14% of the forward). Either way the arithmetic is the same.
            var valueRowsAligned = dvPad == dv && p.Value.RowStride % w == 0;
            long ktSize = AttentionScratch.Round((long)d * nkPad), vpSize = AttentionScratch.Round((long)nk * dvPad);
            long qpSize = AttentionScratch.Round((long)QueryBlock * d), sSize = (long)RowGroup * KeyBlock;
            long accSize = (long)QueryBlock * dvPad;
            var kt = AttentionScratch.Get(ktSize + vpSize + qpSize + sSize + accSize + 2 * QueryBlock);
            var vp = kt + ktSize;
            var qp = vp + vpSize;
            var s = qp + qpSize;
            var acc = s + sSize;
            var m = acc + accSize;
            var l = m + QueryBlock;

            var packed = -1;
            while (queue.TryTake(out var start, out var end))
            {
                for (var u = start; u < end; u++)
                {
                    var bh = u / qBlocks;
                    var qb = u - bh * qBlocks;
                    var b = bh / p.Heads;
                    var h = bh - b * p.Heads;
                    var vm = p.Value.Matrix(b, h);
                    var valueInPlace = valueRowsAligned && ((nint)vm & (sizeof(float) * w - 1)) == 0;
                    if (bh != packed)
                    {
                        AttentionRows<TOps, TVec>.PackTransposed(kt, nkPad, p.Key.Matrix(b, h), p.Key.RowStride, nk, d, nkPad);
                        if (!valueInPlace)
                            AttentionRows<TOps, TVec>.PackRows(vp, dvPad, vm, p.Value.RowStride, nk, dv, 1f, nk);
                        packed = bh;
                    }
                    if (valueInPlace)
                        Block(b, h, qb * QueryBlock, kt, nkPad, vm, (nint)p.Value.RowStride, dvPad, qp, s, acc, m, l);
                    else
                        Block(b, h, qb * QueryBlock, kt, nkPad, vp, dvPad, dvPad, qp, s, acc, m, l);
                }
            }
        }

        private void Block(int b, int h, int i0, float* kt, int nkPad, float* vp, nint ldv, int dvPad, float* qp, float* s, float* acc, float* m, float* l)
        {
            int d = p.HeadDim, dv = p.ValueDim, w = TOps.Count;
            var rows = Math.Min(QueryBlock, p.QueryLength - i0);
            var rowsPad = RoundUp(rows, 6);
            AttentionRows<TOps, TVec>.PackRows(qp, d, p.Query.Matrix(b, h) + i0 * p.Query.RowStride, p.Query.RowStride, rows, d, p.EffectiveScale, rowsPad);
            new Span<float>(m, rows).Fill(float.NegativeInfinity);
            new Span<float>(l, rows).Clear();

            float* biasPlane = null;
            byte* maskPlane = null;
            if (p.Bias.IsPresent)
                biasPlane = p.Bias.Plane(b, h);
            if (p.Mask.IsPresent)
                maskPlane = p.Mask.Plane(b, h);

            // Row groups of RowGroup queries go through S = Q·Kᵀ, the softmax and acc += P·V in turn, so their scores
            // (RowGroup × KeyBlock floats) are still in L1 when the softmax and P·V read them.
            for (var g0 = 0; g0 < rows; g0 += RowGroup)
            {
                var gRows = Math.Min(RowGroup, rows - g0);
                var gRowsPad = RoundUp(gRows, 6);
                var gLast = i0 + g0 + gRows - 1;
                var kEnd = p.Causal ? Math.Min(p.KeyLength, gLast + 1) : p.KeyLength;
                for (var j0 = 0; j0 < kEnd; j0 += KeyBlock)
                {
                    var kc = Math.Min(KeyBlock, kEnd - j0);
                    var vectors = RoundUp(kc, KeyPad) / w;
                    AttentionTiles<TOps, TVec>.Multiply(gRowsPad, vectors, d, qp + g0 * d, d, 1, kt + j0, nkPad, s, KeyBlock, accumulate: false);
                    for (var r = g0; r < g0 + gRows; r++)
                    {
                        var i = i0 + r;
                        var srow = s + (r - g0) * KeyBlock;
                        AttentionRows<TOps, TVec>.ApplyTerms(srow, kc,
                            biasPlane == null ? null : biasPlane + i * p.Bias.QueryStride + j0 * p.Bias.KeyStride, p.Bias.KeyStride,
                            maskPlane == null ? null : maskPlane + i * p.Mask.QueryStride + j0 * p.Mask.KeyStride, p.Mask.KeyStride);
                        var last = j0 + kc - 1;
                        if (p.Causal && i < last)
                            last = i;
                        // Keys past the causal limit, past Nk or in the padding of the last vector: −∞.
                        for (var v = Math.Max(0, (last - j0 + 1) / w); v < vectors; v++)
                            TOps.Store(srow + v * w, TOps.MaskAbove(TOps.Load(srow + v * w), j0 + v * w, last));
                        var mOld = m[r];
                        var mNew = Math.Max(mOld, AttentionRows<TOps, TVec>.Max(srow, vectors));
                        if (mNew == float.NegativeInfinity)
                        {
                            // Every key so far is masked: P = 0 and the running state stays empty.
                            new Span<float>(srow, vectors * w).Clear();
                            continue;
                        }
                        var rowSum = AttentionRows<TOps, TVec>.Exp(srow, vectors, mNew);
                        var alpha = ScalarOps.Exp(mOld - mNew);
                        l[r] = l[r] * alpha + rowSum;
                        m[r] = mNew;
                        // The first key block overwrites acc below, so there is nothing to rescale yet.
                        if (j0 > 0 && alpha != 1f)
                            AttentionRows<TOps, TVec>.ScaleRow(acc + r * dvPad, acc + r * dvPad, dvPad, alpha);
                    }
                    // acc = P·V on the first key block (no clearing pass), acc += P·V after: the same bits as adding to zeros.
                    AttentionTiles<TOps, TVec>.Multiply(gRowsPad, dvPad / w, kc, s, KeyBlock, 1, vp + j0 * ldv, ldv, acc + g0 * dvPad, dvPad, accumulate: j0 > 0);
                }
            }

            var o = output.Matrix(b, h) + i0 * output.RowStride;
            var lse = logSumExp == null ? null : logSumExp + ((long)b * p.Heads + h) * p.QueryLength + i0;
            for (var r = 0; r < rows; r++)
            {
                var orow = o + r * output.RowStride;
                if (l[r] == 0f)
                {
                    new Span<float>(orow, dv).Clear();
                    if (lse != null)
                        lse[r] = float.PositiveInfinity;
                    continue;
                }
                AttentionRows<TOps, TVec>.ScaleRow(orow, acc + r * dvPad, dv, 1f / l[r]);
                if (lse != null)
                    lse[r] = m[r] + MathF.Log(l[r]);
            }
        }
    }

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
