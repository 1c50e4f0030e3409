using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Layer normalisation over the last dimension (Ba, Kiros and Hinton, 2016), forward and backward, fused into
/// one kernel per row; rows are split across threads.
/// </summary>
/// <remarks>
/// Forward: mean = sum(x) / n, rstd = 1 / sqrt(sum((x - mean)^2) / n + eps), y = (x - mean) rstd gamma + beta.
/// Backward, with xhat = (x - mean) rstd and g = dy gamma:
/// dx = rstd (g - mean(g) - xhat mean(g xhat)); dgamma = sum over rows of dy xhat; dbeta = sum over rows of dy.
/// The parameter gradients are reduced in fixed row chunks (<see cref="ColumnSums"/>), so they are bitwise the
/// same for any thread count.
/// </remarks>
internal static unsafe class LayerNorm
{
    /// <summary>Normalises each row of x [rows, cols] into y; gamma, beta, mean and rstd may be null.</summary>
    /// <param name="isa">Instruction-set level (callers pass <see cref="Isa.Current"/>).</param>
    /// <param name="x">Input [rows, cols].</param>
    /// <param name="gamma">Scale [cols], or null for 1.</param>
    /// <param name="beta">Shift [cols], or null for 0.</param>
    /// <param name="y">Output [rows, cols] (may equal x).</param>
    /// <param name="mean">Per-row mean [rows] saved for backward, or null.</param>
    /// <param name="rstd">Per-row 1 / std [rows] saved for backward, or null.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Normalised length.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <param name="threads">Threads; 0 for the pool's count.</param>
    public static void Forward(IsaLevel isa, float* x, float* gamma, float* beta, float* y, float* mean, float* rstd,
        int rows, int cols, float eps, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var s = new State { Isa = isa, X = x, Gamma = gamma, Beta = beta, Y = y, Mean = mean, Rstd = rstd, Cols = cols, Eps = eps };
        RowParallel.Run(rows, cols, threads, &ForwardRows, &s);
    }

    /// <summary>Gradients of <see cref="Forward"/>: dx, and dgamma / dbeta (null to skip) summed over rows.</summary>
    /// <param name="isa">Instruction-set level.</param>
    /// <param name="x">Forward input [rows, cols].</param>
    /// <param name="gamma">Scale [cols], or null for 1.</param>
    /// <param name="mean">Saved per-row mean [rows].</param>
    /// <param name="rstd">Saved per-row 1 / std [rows].</param>
    /// <param name="dy">Gradient of y [rows, cols].</param>
    /// <param name="dx">Gradient of x [rows, cols] (written).</param>
    /// <param name="dgamma">Gradient of gamma [cols], or null.</param>
    /// <param name="dbeta">Gradient of beta [cols], or null.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Normalised length.</param>
    /// <param name="accumulate">Add into dgamma / dbeta instead of overwriting them.</param>
    /// <param name="threads">Threads; 0 for the pool's count.</param>
    public static void Backward(IsaLevel isa, float* x, float* gamma, float* mean, float* rstd, float* dy, float* dx,
        float* dgamma, float* dbeta, int rows, int cols, bool accumulate, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var chunks = ColumnSums.Chunks(rows);
        var wantParams = dgamma != null || dbeta != null;
        var partials = wantParams ? ColumnSums.Rent(chunks, 2 * cols) : null;
        try
        {
            fixed (float* p = partials)
            {
                var s = new State
                {
                    Isa = isa, X = x, Gamma = gamma, Mean = mean, Rstd = rstd, Dy = dy, Y = dx, Cols = cols, Rows = rows,
                    Partials = p,
                };
                RowParallel.Run(chunks, (long)ColumnSums.ChunkRows * cols, threads, &BackwardChunks, &s);
                ColumnSums.Reduce(p, chunks, 2 * cols, 0, dgamma, cols, accumulate);
                ColumnSums.Reduce(p, chunks, 2 * cols, cols, dbeta, cols, accumulate);
            }
        }
        finally
        {
            if (partials is not null)
                ColumnSums.Return(partials);
        }
    }

    private static void ForwardRows(void* statePointer, int start, int end)
    {
        var s = (State*)statePointer;
        var n = s->Cols;
        for (var r = start; r < end; r++)
        {
            var x = s->X + (nint)r * n;
            var y = s->Y + (nint)r * n;
            float mean, rstd;
            switch (s->Isa)
            {
                case IsaLevel.Avx512: ForwardRow<Simd512Ops, Vector512<float>>(x, s->Gamma, s->Beta, y, n, s->Eps, out mean, out rstd); break;
                case IsaLevel.Avx2: ForwardRow<Simd256Ops, Vector256<float>>(x, s->Gamma, s->Beta, y, n, s->Eps, out mean, out rstd); break;
                case IsaLevel.Vector128: ForwardRow<Simd128Ops, Vector128<float>>(x, s->Gamma, s->Beta, y, n, s->Eps, out mean, out rstd); break;
                default: ForwardRowScalar(x, s->Gamma, s->Beta, y, n, s->Eps, out mean, out rstd); break;
            }
            if (s->Mean != null)
                s->Mean[r] = mean;
            if (s->Rstd != null)
                s->Rstd[r] = rstd;
        }
    }

    private static void BackwardChunks(void* statePointer, int start, int end)
    {
        var s = (State*)statePointer;
        var n = s->Cols;
        for (var chunk = start; chunk < end; chunk++)
        {
            var pg = s->Partials == null ? null : s->Partials + (nint)chunk * 2 * n;
            var pb = pg == null ? null : pg + n;
            var r1 = Math.Min(s->Rows, (chunk + 1) * ColumnSums.ChunkRows);
            for (var r = chunk * ColumnSums.ChunkRows; r < r1; r++)
            {
                var o = (nint)r * n;
                switch (s->Isa)
                {
                    case IsaLevel.Avx512: BackwardRow<Simd512Ops, Vector512<float>>(s->X + o, s->Gamma, s->Mean[r], s->Rstd[r], s->Dy + o, s->Y + o, pg, pb, n); break;
                    case IsaLevel.Avx2: BackwardRow<Simd256Ops, Vector256<float>>(s->X + o, s->Gamma, s->Mean[r], s->Rstd[r], s->Dy + o, s->Y + o, pg, pb, n); break;
                    case IsaLevel.Vector128: BackwardRow<Simd128Ops, Vector128<float>>(s->X + o, s->Gamma, s->Mean[r], s->Rstd[r], s->Dy + o, s->Y + o, pg, pb, n); break;
                    default: BackwardRowScalar(s->X + o, s->Gamma, s->Mean[r], s->Rstd[r], s->Dy + o, s->Y + o, pg, pb, n); break;
                }
            }
        }
    }

    /// <summary>Scalar reference for one row of the forward pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardRowScalar(float* x, float* gamma, float* beta, float* y, int n, float eps, out float mean, out float rstd)
    {
        var sum = 0f;
        for (var j = 0; j < n; j++)
            sum += x[j];
        var mu = n > 0 ? sum / n : 0f;
        var ss = 0f;
        for (var j = 0; j < n; j++)
        {
            var d = x[j] - mu;
            ss = MathF.FusedMultiplyAdd(d, d, ss);
        }
        var r = 1f / MathF.Sqrt((n > 0 ? ss / n : 0f) + eps);
        for (var j = 0; j < n; j++)
        {
            var t = (x[j] - mu) * r;
            y[j] = MathF.FusedMultiplyAdd(t, gamma != null ? gamma[j] : 1f, beta != null ? beta[j] : 0f);
        }
        mean = mu;
        rstd = r;
    }

    /// <summary>Scalar reference for one row of the backward pass (pg / pb: partial dgamma / dbeta rows, or null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BackwardRowScalar(float* x, float* gamma, float mean, float rstd, float* dy, float* dx, float* pg, float* pb, int n)
    {
        var sg = 0f;
        var sgx = 0f;
        for (var j = 0; j < n; j++)
        {
            var xhat = (x[j] - mean) * rstd;
            var g = dy[j] * (gamma != null ? gamma[j] : 1f);
            sg += g;
            sgx = MathF.FusedMultiplyAdd(g, xhat, sgx);
        }
        var a = n > 0 ? sg / n : 0f;
        var b = n > 0 ? sgx / n : 0f;
        for (var j = 0; j < n; j++)
        {
            var xhat = (x[j] - mean) * rstd;
            var g = dy[j] * (gamma != null ? gamma[j] : 1f);
            dx[j] = rstd * (g - a - xhat * b);
            if (pg != null)
            {
                pg[j] = MathF.FusedMultiplyAdd(dy[j], xhat, pg[j]);
                pb[j] += dy[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRow<TOps, TVec>(float* x, float* gamma, float* beta, float* y, int n, float eps, out float mean, out float rstd)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var s0 = TOps.Zero;
        var s1 = TOps.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            s0 = TOps.Add(s0, TOps.Load(x + j));
            s1 = TOps.Add(s1, TOps.Load(x + j + w));
        }
        for (; j + w <= n; j += w)
            s0 = TOps.Add(s0, TOps.Load(x + j));
        var sum = TOps.SumAcross(TOps.Add(s0, s1));
        for (; j < n; j++)
            sum += x[j];
        var mu = n > 0 ? sum / n : 0f;
        var vmu = TOps.Create(mu);
        s0 = TOps.Zero;
        s1 = TOps.Zero;
        j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var d0 = TOps.Subtract(TOps.Load(x + j), vmu);
            var d1 = TOps.Subtract(TOps.Load(x + j + w), vmu);
            s0 = TOps.MultiplyAdd(d0, d0, s0);
            s1 = TOps.MultiplyAdd(d1, d1, s1);
        }
        for (; j + w <= n; j += w)
        {
            var d = TOps.Subtract(TOps.Load(x + j), vmu);
            s0 = TOps.MultiplyAdd(d, d, s0);
        }
        var ss = TOps.SumAcross(TOps.Add(s0, s1));
        for (; j < n; j++)
        {
            var d = x[j] - mu;
            ss = MathF.FusedMultiplyAdd(d, d, ss);
        }
        var r = 1f / MathF.Sqrt((n > 0 ? ss / n : 0f) + eps);
        var vr = TOps.Create(r);
        var one = TOps.Create(1f);
        j = 0;
        for (; j + w <= n; j += w)
        {
            var t = TOps.Multiply(TOps.Subtract(TOps.Load(x + j), vmu), vr);
            var g = gamma != null ? TOps.Load(gamma + j) : one;
            var b = beta != null ? TOps.Load(beta + j) : TOps.Zero;
            TOps.Store(y + j, TOps.MultiplyAdd(t, g, b));
        }
        for (; j < n; j++)
        {
            var t = (x[j] - mu) * r;
            y[j] = MathF.FusedMultiplyAdd(t, gamma != null ? gamma[j] : 1f, beta != null ? beta[j] : 0f);
        }
        mean = mu;
        rstd = r;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRow<TOps, TVec>(float* x, float* gamma, float mean, float rstd, float* dy, float* dx, float* pg, float* pb, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var vmu = TOps.Create(mean);
        var vr = TOps.Create(rstd);
        var one = TOps.Create(1f);
        var sg = TOps.Zero;
        var sgx = TOps.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
        {
            var xhat = TOps.Multiply(TOps.Subtract(TOps.Load(x + j), vmu), vr);
            var g = TOps.Multiply(TOps.Load(dy + j), gamma != null ? TOps.Load(gamma + j) : one);
            sg = TOps.Add(sg, g);
            sgx = TOps.MultiplyAdd(g, xhat, sgx);
        }
        var sumG = TOps.SumAcross(sg);
        var sumGx = TOps.SumAcross(sgx);
        for (; j < n; j++)
        {
            var xhat = (x[j] - mean) * rstd;
            var g = dy[j] * (gamma != null ? gamma[j] : 1f);
            sumG += g;
            sumGx = MathF.FusedMultiplyAdd(g, xhat, sumGx);
        }
        var a = n > 0 ? sumG / n : 0f;
        var b = n > 0 ? sumGx / n : 0f;
        var va = TOps.Create(a);
        var vb = TOps.Create(b);
        j = 0;
        for (; j + w <= n; j += w)
        {
            var xhat = TOps.Multiply(TOps.Subtract(TOps.Load(x + j), vmu), vr);
            var d = TOps.Load(dy + j);
            var g = TOps.Multiply(d, gamma != null ? TOps.Load(gamma + j) : one);
            TOps.Store(dx + j, TOps.Multiply(vr, TOps.Subtract(TOps.Subtract(g, va), TOps.Multiply(xhat, vb))));
            if (pg != null)
            {
                TOps.Store(pg + j, TOps.MultiplyAdd(d, xhat, TOps.Load(pg + j)));
                TOps.Store(pb + j, TOps.Add(TOps.Load(pb + j), d));
            }
        }
        for (; j < n; j++)
        {
            var xhat = (x[j] - mean) * rstd;
            var g = dy[j] * (gamma != null ? gamma[j] : 1f);
            dx[j] = rstd * (g - a - xhat * b);
            if (pg != null)
            {
                pg[j] = MathF.FusedMultiplyAdd(dy[j], xhat, pg[j]);
                pb[j] += dy[j];
            }
        }
    }

    private struct State
    {
        public IsaLevel Isa;
        public float* X;
        public float* Gamma;
        public float* Beta;
        public float* Y;
        public float* Mean;
        public float* Rstd;
        public float* Dy;
        public float* Partials;
        public int Rows;
        public int Cols;
        public float Eps;
    }
}
