using TokenVision.Tensors.Kernels.Simd;
using TokenVision.Tensors.Memory;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// Tiled attention backward at one instruction-set level (FlashAttention-2): P is recomputed block by block from
/// the saved log-sum-exp L, never stored whole.
/// </summary>
/// <remarks>
/// For a block of queries i and keys j, with Q̃ = scale·Q, K̃ = scale·K and D_i = dO_i·O_i:
/// S = Q̃·Kᵀ + bias (masked to −∞), P = e^(S − L), dP = dO·Vᵀ, dS = P ∘ (dP − D);
/// dV_j += Pᵀ·dO, dK_j += dSᵀ·Q̃, dQ_i += dS·K̃, dBias += dS — 10·Nq·Nk·d flops per head, nothing recomputed twice.
/// Work units (see <see cref="AttentionBackwardSchedule"/>) are a group of (b, h) — the set whose dBias planes coincide
/// (stride 0 or batch period), each (b, h) alone without dBias — or, for few (b, h), a group and one of up to four key
/// chunks, whose partial dQ are summed in chunk order at the end. Every output element has one writer and is one
/// chain of multiply-adds in token order, a group's dBias sums its members in (b, h) order, and the schedule depends
/// only on the problem: results are bitwise identical run to run and for any thread count.
/// </remarks>
/// <typeparam name="TOps">The instruction-set level.</typeparam>
/// <typeparam name="TVec">Its register type.</typeparam>
internal static unsafe class AttentionBackward<TOps, TVec>
    where TOps : struct, ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <summary>Queries per block (a multiple of the 6-row register tile).</summary>
    public const int QueryBlock = 48;

    /// <summary>Keys per block (a multiple of 16).</summary>
    public const int KeyBlock = 128;

    /// <summary>Below this many (b, h) pairs the automatic schedule splits the keys.</summary>
    public const int SplitBelowPairs = 8;

    /// <summary>Most key chunks of the split schedule (each keeps a partial dQ the size of Q).</summary>
    public const int MaxChunks = 4;

    private const int KeyPad = 16;

    /// <summary>Runs the backward pass on the worker pool.</summary>
    /// <param name="problem">The forward problem.</param>
    /// <param name="output">O from the forward pass.</param>
    /// <param name="outputGrad">dO.</param>
    /// <param name="logSumExp">L [B, H, Nq] from the forward pass (dense).</param>
    /// <param name="queryGrad">dQ, overwritten.</param>
    /// <param name="keyGrad">dK, overwritten.</param>
    /// <param name="valueGrad">dV, overwritten.</param>
    /// <param name="biasGrad">dBias (overwritten) or absent.</param>
    /// <param name="schedule">Work split; <see cref="AttentionBackwardSchedule.Auto"/> chooses from the problem.</param>
    public static void Run(in AttentionProblem problem, AttentionOperand output, AttentionOperand outputGrad, float* logSumExp,
        AttentionOperand queryGrad, AttentionOperand keyGrad, AttentionOperand valueGrad, ScoreTerm<float> biasGrad,
        AttentionBackwardSchedule schedule)
    {
        var job = new Job(problem, output, outputGrad, logSumExp, queryGrad, keyGrad, valueGrad, biasGrad);
        var pairs = problem.Batch * problem.Heads;
        var nk = problem.KeyLength;
        // Key chunks: up to four, whole blocks of 16 keys; one when dBias broadcasts over keys (every chunk would
        // write the same elements).
        var chunks = biasGrad.IsPresent && biasGrad.KeyStride == 0 ? 1 : Math.Clamp((nk + KeyBlock - 1) / KeyBlock, 1, MaxChunks);
        var chunkKeys = RoundUp((nk + chunks - 1) / Math.Max(chunks, 1), KeyPad);
        chunks = nk == 0 ? 1 : (nk + chunkKeys - 1) / chunkKeys;
        if (schedule == AttentionBackwardSchedule.Auto)
            schedule = pairs < SplitBelowPairs && chunks > 1 ? AttentionBackwardSchedule.SplitKeys : AttentionBackwardSchedule.OnePass;
        if (schedule == AttentionBackwardSchedule.OnePass)
        {
            AttentionWorkQueue.Run(job.Groups, job.OnePass);
            return;
        }
        // Split keys: Q̃, dO, D packed once for all units, plus one partial dQ per (chunk, b, h): O(N·d) in all.
        var qBlocks = (problem.QueryLength + QueryBlock - 1) / QueryBlock;
        job.Chunks = chunks;
        job.ChunkKeys = chunkKeys;
        var block = StoragePool.Rent(4 * job.SharedFloats + StoragePool.Alignment);
        try
        {
            fixed (byte* raw = block)
            {
                job.Shared = (float*)(((nint)raw + StoragePool.Alignment - 1) & ~(nint)(StoragePool.Alignment - 1));
                AttentionWorkQueue.Run(pairs * qBlocks, job.PackShared);
                AttentionWorkQueue.Run(job.Groups * chunks, job.SplitPass);
                AttentionWorkQueue.Run(pairs * qBlocks, job.SumQueryGrad);
            }
        }
        finally
        {
            job.Shared = null;
            StoragePool.Return(block);
        }
    }

    private sealed class Job
    {
        private readonly AttentionProblem _p;
        private readonly AttentionOperand _o, _dO, _dQ, _dK, _dV;
        private readonly ScoreTerm<float> _dBias;
        private readonly float* _lse;
        private readonly int[]? _members;
        private readonly int[]? _groupStart;
        private readonly int _d, _dv, _nq, _nk, _dPad, _dvPad;
        private readonly float _scale;

        public Job(in AttentionProblem p, AttentionOperand o, AttentionOperand dO, float* lse,
            AttentionOperand dQ, AttentionOperand dK, AttentionOperand dV, ScoreTerm<float> dBias)
        {
            _p = p;
            _o = o;
            _dO = dO;
            _lse = lse;
            _dQ = dQ;
            _dK = dK;
            _dV = dV;
            _dBias = dBias;
            _d = p.HeadDim;
            _dv = p.ValueDim;
            _nq = p.QueryLength;
            _nk = p.KeyLength;
            _dPad = RoundUp(_d, TOps.Count);
            _dvPad = RoundUp(_dv, TOps.Count);
            _scale = p.EffectiveScale;
            var pairs = p.Batch * p.Heads;
            Groups = pairs;
            if (dBias.IsPresent)
            {
                // Group (b, h) by the dBias plane they share; members stay in (b, h) order.
                var nRh = dBias.HeadStride == 0 ? 1 : p.Heads;
                var keys = new int[pairs];
                var count = new Dictionary<int, int>();
                for (var bh = 0; bh < pairs; bh++)
                {
                    var key = dBias.BatchIndex(bh / p.Heads) * nRh + dBias.HeadIndex(bh % p.Heads);
                    keys[bh] = key;
                    count[key] = count.GetValueOrDefault(key) + 1;
                }
                var order = count.Keys.Order().ToArray();
                var slot = new Dictionary<int, int>();
                _groupStart = new int[order.Length + 1];
                for (var g = 0; g < order.Length; g++)
                {
                    slot[order[g]] = g;
                    _groupStart[g + 1] = _groupStart[g] + count[order[g]];
                }
                _members = new int[pairs];
                var fill = (int[])_groupStart.Clone();
                for (var bh = 0; bh < pairs; bh++)
                    _members[fill[slot[keys[bh]]]++] = bh;
                Groups = order.Length;
            }
        }

        /// <summary>Groups of (b, h) sharing a dBias plane (each (b, h) alone without dBias).</summary>
        public int Groups { get; }

        /// <summary>Key chunks of the split schedule.</summary>
        public int Chunks { get; set; } = 1;

        /// <summary>Keys per chunk (a multiple of 16; the last chunk may be shorter).</summary>
        public int ChunkKeys { get; set; }

        /// <summary>The split schedule's packed Q̃, dO, D and partial dQ for every (b, h), or null.</summary>
        public float* Shared { get; set; }

        /// <summary>Floats of <see cref="Shared"/>.</summary>
        public long SharedFloats => (long)_p.Batch * _p.Heads * SharedStride;

        private long QueryFloats => Sz((long)RoundUp(_nq, 6) * _dPad);

        private long SharedStride => QueryFloats * (1 + Chunks) + Sz((long)RoundUp(_nq, 6) * _dvPad) + Sz(_nq);

        private float* SharedQuery(int bh) => Shared + bh * SharedStride;

        private float* SharedOutputGrad(int bh) => SharedQuery(bh) + QueryFloats;

        private float* SharedDelta(int bh) => SharedOutputGrad(bh) + Sz((long)RoundUp(_nq, 6) * _dvPad);

        private float* PartialQueryGrad(int bh, int chunk) => SharedDelta(bh) + Sz(_nq) + chunk * QueryFloats;

        private float* Lse(int bh) => _lse + (long)bh * _nq;

        /// <summary>Units of (b, h, query block): packs that block of Q̃, dO and D into <see cref="Shared"/>.</summary>
        public void PackShared(AttentionWorkQueue queue)
        {
            var qBlocks = (_nq + QueryBlock - 1) / QueryBlock;
            while (queue.TryTake(out var start, out var end))
            {
                for (var u = start; u < end; u++)
                {
                    var bh = u / qBlocks;
                    var i0 = (u - bh * qBlocks) * QueryBlock;
                    PackQueries(bh / _p.Heads, bh % _p.Heads, i0, Math.Min(QueryBlock, _nq - i0),
                        SharedQuery(bh) + i0 * _dPad, SharedOutputGrad(bh) + i0 * _dvPad, SharedDelta(bh) + i0);
                }
            }
        }

        private int MemberCount(int g) => _members is null ? 1 : _groupStart![g + 1] - _groupStart[g];

        private int Member(int g, int index) => _members is null ? g : _members[_groupStart![g] + index];

        /// <summary>Units of one group: everything for each member, keys in blocks, queries in blocks within.</summary>
        public void OnePass(AttentionWorkQueue queue)
        {
            int nqPad = RoundUp(_nq, 6), nkPad = RoundUp(_nk, KeyPad), ldS = KeyBlock + KeyPad;
            long n0 = Sz((long)_d * nkPad),
                n1 = Sz((long)_dv * nkPad),
                n2 = Sz((long)_nk * _dPad),
                n3 = Sz((long)nqPad * _dPad),
                n4 = Sz((long)nqPad * _dvPad),
                n5 = Sz(_nq),
                n6 = Sz((long)nqPad * _dPad),
                n7 = Sz((long)QueryBlock * ldS),
                n8 = Sz((long)QueryBlock * ldS),
                n9 = Sz((long)(KeyBlock + 6) * _dPad),
                n10 = Sz((long)(KeyBlock + 6) * _dvPad);
            var kt = AttentionScratch.Get(n0 + n1 + n2 + n3 + n4 + n5 + n6 + n7 + n8 + n9 + n10);
            var vt = kt + n0;
            var kp = vt + n1;
            var qp = kp + n2;
            var dop = qp + n3;
            var delta = dop + n4;
            var dq = delta + n5;
            var s = dq + n6;
            var ds = s + n7;
            var dk = ds + n8;
            var dv = dk + n9;

            while (queue.TryTake(out var start, out var end))
            {
                for (var g = start; g < end; g++)
                {
                    ZeroBiasGrad(g, 0, _nk);
                    for (var index = 0; index < MemberCount(g); index++)
                    {
                        var bh = Member(g, index);
                        int b = bh / _p.Heads, h = bh % _p.Heads;
                        var key = _p.Key.Matrix(b, h);
                        AttentionRows<TOps, TVec>.PackTransposed(kt, nkPad, key, _p.Key.RowStride, _nk, _d, nkPad);
                        AttentionRows<TOps, TVec>.PackTransposed(vt, nkPad, _p.Value.Matrix(b, h), _p.Value.RowStride, _nk, _dv, nkPad);
                        AttentionRows<TOps, TVec>.PackRows(kp, _dPad, key, _p.Key.RowStride, _nk, _d, _scale, _nk);
                        PackQueries(b, h, 0, _nq, qp, dop, delta);
                        var lse = Lse(bh);
                        new Span<float>(dq, nqPad * _dPad).Clear();
                        for (var j0 = 0; j0 < _nk; j0 += KeyBlock)
                            KeyBlockGrads(b, h, j0, Math.Min(KeyBlock, _nk - j0), qp, dop, lse, delta, kt + j0, vt + j0, nkPad, kp + j0 * _dPad, dq, s, ds, ldS, dk, dv);
                        WriteRows(_dQ.Matrix(b, h), _dQ.RowStride, dq, _dPad, _nq, _d);
                    }
                }
            }
        }

        /// <summary>
        /// Units of (group, key chunk): dK, dV and dBias for the chunk's keys and, per member, the chunk's partial dQ.
        /// </summary>
        public void SplitPass(AttentionWorkQueue queue)
        {
            int ldS = KeyBlock + KeyPad, nqPad = RoundUp(_nq, 6);
            long n0 = Sz((long)_d * KeyBlock),
                n1 = Sz((long)_dv * KeyBlock),
                n2 = Sz((long)KeyBlock * _dPad),
                n3 = Sz((long)QueryBlock * ldS),
                n4 = Sz((long)QueryBlock * ldS),
                n5 = Sz((long)(KeyBlock + 6) * _dPad),
                n6 = Sz((long)(KeyBlock + 6) * _dvPad);
            var kt = AttentionScratch.Get(n0 + n1 + n2 + n3 + n4 + n5 + n6);
            var vt = kt + n0;
            var kp = vt + n1;
            var s = kp + n2;
            var ds = s + n3;
            var dk = ds + n4;
            var dv = dk + n5;

            while (queue.TryTake(out var start, out var end))
            {
                for (var u = start; u < end; u++)
                {
                    var g = u / Chunks;
                    var chunk = u - g * Chunks;
                    var ja = chunk * ChunkKeys;
                    var jb = Math.Min(_nk, ja + ChunkKeys);
                    ZeroBiasGrad(g, ja, jb);
                    for (var index = 0; index < MemberCount(g); index++)
                    {
                        var bh = Member(g, index);
                        int b = bh / _p.Heads, h = bh % _p.Heads;
                        float* qp = SharedQuery(bh), dop = SharedOutputGrad(bh), delta = SharedDelta(bh), lse = Lse(bh);
                        var dq = PartialQueryGrad(bh, chunk);
                        new Span<float>(dq, nqPad * _dPad).Clear();
                        for (var j0 = ja; j0 < jb; j0 += KeyBlock)
                        {
                            var kc = Math.Min(KeyBlock, jb - j0);
                            var kcPad = RoundUp(kc, KeyPad);
                            var key = _p.Key.Matrix(b, h) + j0 * _p.Key.RowStride;
                            AttentionRows<TOps, TVec>.PackTransposed(kt, KeyBlock, key, _p.Key.RowStride, kc, _d, kcPad);
                            AttentionRows<TOps, TVec>.PackTransposed(vt, KeyBlock, _p.Value.Matrix(b, h) + j0 * _p.Value.RowStride, _p.Value.RowStride, kc, _dv, kcPad);
                            AttentionRows<TOps, TVec>.PackRows(kp, _dPad, key, _p.Key.RowStride, kc, _d, _scale, kc);
                            KeyBlockGrads(b, h, j0, kc, qp, dop, lse, delta, kt, vt, KeyBlock, kp, dq, s, ds, ldS, dk, dv);
                        }
                    }
                }
            }
        }

        /// <summary>Units of (b, h, query block): dQ = Σ partial dQ over the chunks, in chunk order.</summary>
        public void SumQueryGrad(AttentionWorkQueue queue)
        {
            var qBlocks = (_nq + QueryBlock - 1) / QueryBlock;
            var w = TOps.Count;
            while (queue.TryTake(out var start, out var end))
            {
                for (var u = start; u < end; u++)
                {
                    var bh = u / qBlocks;
                    var i0 = (u - bh * qBlocks) * QueryBlock;
                    var rows = Math.Min(QueryBlock, _nq - i0);
                    var dst = _dQ.Matrix(bh / _p.Heads, bh % _p.Heads) + i0 * _dQ.RowStride;
                    for (var r = 0; r < rows; r++)
                    {
                        var row = dst + r * _dQ.RowStride;
                        var offset = (long)(i0 + r) * _dPad;
                        var c = 0;
                        for (; c + w <= _d; c += w)
                        {
                            var sum = TOps.Load(PartialQueryGrad(bh, 0) + offset + c);
                            for (var chunk = 1; chunk < Chunks; chunk++)
                                sum = TOps.Add(sum, TOps.Load(PartialQueryGrad(bh, chunk) + offset + c));
                            TOps.Store(row + c, sum);
                        }
                        for (; c < _d; c++)
                        {
                            var sum = PartialQueryGrad(bh, 0)[offset + c];
                            for (var chunk = 1; chunk < Chunks; chunk++)
                                sum += PartialQueryGrad(bh, chunk)[offset + c];
                            row[c] = sum;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// One key block [j0, j0 + kc) of (b, h) against every query block: dK and dV rows of the block written out,
        /// dQ += dS·K̃ accumulated in <paramref name="dq"/> (rows from query 0), dBias added.
        /// Kᵀ, Vᵀ start at column j0 (stride <paramref name="ldKt"/>) and K̃ at row j0.
        /// </summary>
        private void KeyBlockGrads(int b, int h, int j0, int kc, float* qp, float* dop, float* lse, float* delta,
            float* kt, float* vt, int ldKt, float* kp, float* dq, float* s, float* ds, int ldS, float* dk, float* dv)
        {
            var kRows = RoundUp(kc, 6);
            new Span<float>(dk, kRows * _dPad).Clear();
            new Span<float>(dv, kRows * _dvPad).Clear();
            for (var i0 = 0; i0 < _nq; i0 += QueryBlock)
            {
                var rc = Math.Min(QueryBlock, _nq - i0);
                if (_p.Causal && j0 > i0 + rc - 1)
                    continue;
                Scores(b, h, i0, rc, j0, kc, qp + i0 * _dPad, dop + i0 * _dvPad, lse + i0, delta + i0, kt, vt, ldKt, s, ds, ldS);
                AccumulateKeyGrads(rc, kc, s, ds, ldS, qp + i0 * _dPad, dop + i0 * _dvPad, dk, dv);
                AttentionTiles<TOps, TVec>.Multiply(RoundUp(rc, 6), _dPad / TOps.Count, kc, ds, ldS, 1, kp, _dPad, dq + i0 * _dPad, _dPad, accumulate: true);
            }
            WriteRows(_dK.Matrix(b, h) + j0 * _dK.RowStride, _dK.RowStride, dk, _dPad, kc, _d);
            WriteRows(_dV.Matrix(b, h) + j0 * _dV.RowStride, _dV.RowStride, dv, _dvPad, kc, _dv);
        }

        /// <summary>
        /// Packs queries [i0, i0 + rows) of (b, h): Q̃ = scale·Q and dO (rows padded to a multiple of 6 with zeros), and
        /// D_i = dO_i · O_i.
        /// </summary>
        private void PackQueries(int b, int h, int i0, int rows, float* qp, float* dop, float* delta)
        {
            var rowsPad = RoundUp(rows, 6);
            AttentionRows<TOps, TVec>.PackRows(qp, _dPad, _p.Query.Matrix(b, h) + i0 * _p.Query.RowStride, _p.Query.RowStride, rows, _d, _scale, rowsPad);
            var go = _dO.Matrix(b, h) + i0 * _dO.RowStride;
            AttentionRows<TOps, TVec>.PackRows(dop, _dvPad, go, _dO.RowStride, rows, _dv, 1f, rowsPad);
            var o = _o.Matrix(b, h) + i0 * _o.RowStride;
            for (var r = 0; r < rows; r++)
                delta[r] = AttentionRows<TOps, TVec>.Dot(go + r * _dO.RowStride, o + r * _o.RowStride, _dv);
        }

        /// <summary>
        /// P (into <paramref name="s"/>) and dS (into <paramref name="ds"/>) for queries [i0, i0 + rc) × keys
        /// [j0, j0 + kc); adds dS to dBias when requested. Q̃, dO, L, D start at row i0; Kᵀ, Vᵀ at column j0.
        /// </summary>
        private void Scores(int b, int h, int i0, int rc, int j0, int kc, float* qp, float* dop, float* lse, float* delta,
            float* kt, float* vt, int ldKt, float* s, float* ds, int ldS, bool biasGrad = true)
        {
            var w = TOps.Count;
            var rRows = RoundUp(rc, 6);
            var vectors = RoundUp(kc, KeyPad) / w;
            AttentionTiles<TOps, TVec>.Multiply(rRows, vectors, _d, qp, _dPad, 1, kt, ldKt, s, ldS, accumulate: false);
            AttentionTiles<TOps, TVec>.Multiply(rRows, vectors, _dv, dop, _dvPad, 1, vt, ldKt, ds, ldS, accumulate: false);
            var bias = _p.Bias.IsPresent ? _p.Bias.Plane(b, h) : null;
            var mask = _p.Mask.IsPresent ? _p.Mask.Plane(b, h) : null;
            var dBias = biasGrad && _dBias.IsPresent ? _dBias.Plane(b, h) : null;
            for (var r = 0; r < rc; r++)
            {
                var i = i0 + r;
                var srow = s + r * ldS;
                var dsrow = ds + r * ldS;
                AttentionRows<TOps, TVec>.ApplyTerms(srow, kc,
                    bias == null ? null : bias + i * _p.Bias.QueryStride + j0 * _p.Bias.KeyStride, _p.Bias.KeyStride,
                    mask == null ? null : mask + i * _p.Mask.QueryStride + j0 * _p.Mask.KeyStride, _p.Mask.KeyStride);
                var last = j0 + kc - 1;
                if (_p.Causal && i < last)
                    last = i;
                var lv = TOps.Create(lse[r]);
                var dl = TOps.Create(delta[r]);
                for (var v = 0; v < vectors; v++)
                {
                    var x = TOps.Load(srow + v * w);
                    var first = j0 + v * w;
                    if (first + w - 1 > last)
                        x = TOps.MaskAbove(x, first, last);
                    var pv = TOps.Exp(TOps.Subtract(x, lv));
                    TOps.Store(srow + v * w, pv);
                    TOps.Store(dsrow + v * w, TOps.Multiply(pv, TOps.Subtract(TOps.Load(dsrow + v * w), dl)));
                }
                if (dBias != null)
                    AttentionRows<TOps, TVec>.AddRow(dBias + i * _dBias.QueryStride + j0 * _dBias.KeyStride, _dBias.KeyStride, dsrow, kc);
            }
        }

        /// <summary>dV += Pᵀ·dO and dK += dSᵀ·Q̃ for one block (rows of dK, dV are the block's keys).</summary>
        private void AccumulateKeyGrads(int rc, int kc, float* s, float* ds, int ldS, float* qp, float* dop, float* dk, float* dv)
        {
            var kRows = RoundUp(kc, 6);
            AttentionTiles<TOps, TVec>.Multiply(kRows, _dvPad / TOps.Count, rc, s, 1, ldS, dop, _dvPad, dv, _dvPad, accumulate: true);
            AttentionTiles<TOps, TVec>.Multiply(kRows, _dPad / TOps.Count, rc, ds, 1, ldS, qp, _dPad, dk, _dPad, accumulate: true);
        }

        /// <summary>Zeroes this group's dBias for keys [ja, jb) (all queries).</summary>
        private void ZeroBiasGrad(int g, int ja, int jb)
        {
            if (!_dBias.IsPresent || jb <= ja)
                return;
            var bh = Member(g, 0);
            var plane = _dBias.Plane(bh / _p.Heads, bh % _p.Heads);
            var rows = _dBias.QueryStride == 0 ? 1 : _nq;
            var cols = _dBias.KeyStride == 0 ? 1 : jb - ja;
            for (var i = 0; i < rows; i++)
            {
                var row = plane + i * _dBias.QueryStride + ja * _dBias.KeyStride;
                for (var j = 0; j < cols; j++)
                    row[j * _dBias.KeyStride] = 0f;
            }
        }

        private static void WriteRows(float* dst, long dstRow, float* src, int ld, int rows, int cols)
        {
            for (var r = 0; r < rows; r++)
                AttentionRows<TOps, TVec>.ScaleRow(dst + r * dstRow, src + (nint)r * ld, cols, 1f);
        }
    }

    private static long Sz(long floats) => AttentionScratch.Round(Math.Max(floats, 1));

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;
}
