using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Softmax and log-softmax over the last dimension, forward and backward, one fused kernel per row
/// (max-subtracted, so large inputs do not overflow); rows are split across threads.
/// </summary>
/// <remarks>
/// softmax: y = exp(x - max) / sum(exp(x - max)); backward dx = y (dy - sum(dy y)).
/// log-softmax: y = (x - max) - log(sum(exp(x - max))); backward dx = dy - exp(y) sum(dy).
/// </remarks>
internal static unsafe class Softmax
{
    private enum Op
    {
        Forward,
        LogForward,
        Backward,
        LogBackward,
    }

    /// <summary>y = softmax(x) over each row of x [rows, cols] (y may equal x).</summary>
    public static void Forward(IsaLevel isa, float* x, float* y, int rows, int cols, int threads = 0) =>
        Launch(Op.Forward, isa, x, null, y, rows, cols, threads);

    /// <summary>y = log_softmax(x) over each row of x [rows, cols] (y may equal x).</summary>
    public static void LogForward(IsaLevel isa, float* x, float* y, int rows, int cols, int threads = 0) =>
        Launch(Op.LogForward, isa, x, null, y, rows, cols, threads);

    /// <summary>dx from the softmax output y and its gradient dy (dx may equal dy).</summary>
    public static void Backward(IsaLevel isa, float* y, float* dy, float* dx, int rows, int cols, int threads = 0) =>
        Launch(Op.Backward, isa, y, dy, dx, rows, cols, threads);

    /// <summary>dx from the log-softmax output y and its gradient dy (dx may equal dy).</summary>
    public static void LogBackward(IsaLevel isa, float* y, float* dy, float* dx, int rows, int cols, int threads = 0) =>
        Launch(Op.LogBackward, isa, y, dy, dx, rows, cols, threads);

    private static void Launch(Op op, IsaLevel isa, float* x, float* dy, float* y, int rows, int cols, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var s = new State { Op = op, Isa = isa, X = x, Dy = dy, Y = y, Cols = cols };
        RowParallel.Run(rows, cols, threads, &Rows, &s);
    }

    private static void Rows(void* statePointer, int start, int end)
    {
        var s = (State*)statePointer;
        var n = s->Cols;
        for (var r = start; r < end; r++)
        {
            var o = (nint)r * n;
            var x = s->X + o;
            var y = s->Y + o;
            var dy = s->Dy == null ? null : s->Dy + o;
            switch (s->Isa)
            {
                case IsaLevel.Avx512: Row<Simd512Ops, Vector512<float>>(s->Op, x, dy, y, n); break;
                case IsaLevel.Avx2: Row<Simd256Ops, Vector256<float>>(s->Op, x, dy, y, n); break;
                case IsaLevel.Vector128: Row<Simd128Ops, Vector128<float>>(s->Op, x, dy, y, n); break;
                default: RowScalar(s->Op, x, dy, y, n); break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowScalar(Op op, float* x, float* dy, float* y, int n)
    {
        switch (op)
        {
            case Op.Forward:
            case Op.LogForward:
            {
                var max = float.NegativeInfinity;
                for (var j = 0; j < n; j++)
                    max = MathF.Max(max, x[j]);
                var sum = 0f;
                if (op == Op.Forward)
                {
                    for (var j = 0; j < n; j++)
                    {
                        var e = MathF.Exp(x[j] - max);
                        y[j] = e;
                        sum += e;
                    }
                    var inv = 1f / sum;
                    for (var j = 0; j < n; j++)
                        y[j] *= inv;
                }
                else
                {
                    for (var j = 0; j < n; j++)
                        sum += MathF.Exp(x[j] - max);
                    var logSum = MathF.Log(sum);
                    for (var j = 0; j < n; j++)
                        y[j] = x[j] - max - logSum;
                }
                break;
            }
            case Op.Backward:
            {
                var dot = 0f;
                for (var j = 0; j < n; j++)
                    dot = MathF.FusedMultiplyAdd(dy[j], x[j], dot);
                for (var j = 0; j < n; j++)
                    y[j] = x[j] * (dy[j] - dot);
                break;
            }
            default:
            {
                var sum = 0f;
                for (var j = 0; j < n; j++)
                    sum += dy[j];
                for (var j = 0; j < n; j++)
                    y[j] = dy[j] - MathF.Exp(x[j]) * sum;
                break;
            }
        }
    }

    // One row at a vector level: TOps supplies the registers (Simd512Ops ... Simd128Ops), the JIT one copy per level.
    private static void Row<TOps, TVec>(Op op, float* x, float* dy, float* y, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        switch (op)
        {
            case Op.Forward: Forward<TOps, TVec>(x, y, n); break;
            case Op.LogForward: LogForward<TOps, TVec>(x, y, n); break;
            case Op.Backward: Backward<TOps, TVec>(x, dy, y, n); break;
            default: LogBackward<TOps, TVec>(x, dy, y, n); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TOps, TVec>(float* x, float* y, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var max = MaxChecked<TOps, TVec>(x, n, out var finite);
        // A row free of NaN and infinities has x - max <= 0 finite, so the cheaper exp (no NaN pass-through) serves.
        // Otherwise the exp passes NaN through: e^(x - max) is NaN, 0 (for -inf) or in (0, 1], and a NaN anywhere
        // (or +inf, as inf - inf) gives a NaN row, as PyTorch.
        var vmax = TOps.Create(max);
        var vsum = TOps.Zero;
        var vsum1 = TOps.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            // Rows are contiguous: fetch the next row of x (one 64-byte line per 16 floats) while this one is in the
            // exp, so its max pass reads from L1 instead of waiting on L3; and the next row of y, whose lines then
            // arrive exclusive and take the stores without a read-for-ownership miss. Prefetches past the end do not
            // fault.
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(x + n + j);
                Sse.Prefetch0(y + n + j);
                if (w == 16)
                {
                    Sse.Prefetch0(x + n + j + w);
                    Sse.Prefetch0(y + n + j + w);
                }
            }
            var d0 = TOps.Subtract(TOps.Load(x + j), vmax);
            var d1 = TOps.Subtract(TOps.Load(x + j + w), vmax);
            var e0 = finite ? TOps.ExpNonPositive(d0) : TOps.Exp(d0);
            var e1 = finite ? TOps.ExpNonPositive(d1) : TOps.Exp(d1);
            TOps.Store(y + j, e0);
            TOps.Store(y + j + w, e1);
            vsum = TOps.Add(vsum, e0);
            vsum1 = TOps.Add(vsum1, e1);
        }
        for (; j + w <= n; j += w)
        {
            var d = TOps.Subtract(TOps.Load(x + j), vmax);
            var e = finite ? TOps.ExpNonPositive(d) : TOps.Exp(d);
            TOps.Store(y + j, e);
            vsum = TOps.Add(vsum, e);
        }
        var sum = TOps.SumAcross(TOps.Add(vsum, vsum1));
        for (; j < n; j++)
        {
            var e = finite ? ScalarOps.ExpNonPositive(x[j] - max) : ScalarOps.Exp(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = TOps.Create(inv);
        for (j = 0; j + w <= n; j += w)
            TOps.Store(y + j, TOps.Multiply(TOps.Load(y + j), vinv));
        for (; j < n; j++)
            y[j] *= inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max<TOps, TVec>(float* x, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var vmax = TOps.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vmax = TOps.Max(vmax, TOps.Load(x + j));
            vmax1 = TOps.Max(vmax1, TOps.Load(x + j + w));
        }
        for (; j + w <= n; j += w)
            vmax = TOps.Max(vmax, TOps.Load(x + j));
        var max = TOps.MaxAcross(TOps.Max(vmax, vmax1));
        for (; j < n; j++)
            max = MathF.Max(max, x[j]);
        return max;
    }

    // The row max, and whether the row is free of NaN and infinities (their sum is finite; an overflowing sum of
    // large finite values only sends the row to the general path).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxChecked<TOps, TVec>(float* x, int n, out bool finite)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var vmax = TOps.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var vmax2 = vmax;
        var vmax3 = vmax;
        var vsum = TOps.Zero;
        var vsum1 = vsum;
        var vsum2 = vsum;
        var vsum3 = vsum;
        var j = 0;
        // Four vectors a step into four accumulators of each kind: max and add have a 4-cycle latency, so fewer
        // chains would hold the loop back.
        for (; j + 4 * w <= n; j += 4 * w)
        {
            var a = TOps.Load(x + j);
            var b = TOps.Load(x + j + w);
            var c = TOps.Load(x + j + 2 * w);
            var d = TOps.Load(x + j + 3 * w);
            vmax = TOps.Max(vmax, a);
            vmax1 = TOps.Max(vmax1, b);
            vmax2 = TOps.Max(vmax2, c);
            vmax3 = TOps.Max(vmax3, d);
            vsum = TOps.Add(vsum, a);
            vsum1 = TOps.Add(vsum1, b);
            vsum2 = TOps.Add(vsum2, c);
            vsum3 = TOps.Add(vsum3, d);
        }
        for (; j + w <= n; j += w)
        {
            var a = TOps.Load(x + j);
            vmax = TOps.Max(vmax, a);
            vsum = TOps.Add(vsum, a);
        }
        var max = TOps.MaxAcross(TOps.Max(TOps.Max(vmax, vmax2), TOps.Max(vmax1, vmax3)));
        var sum = TOps.SumAcross(TOps.Add(TOps.Add(vsum, vsum2), TOps.Add(vsum1, vsum3)));
        for (; j < n; j++)
        {
            max = MathF.Max(max, x[j]);
            sum += x[j];
        }
        finite = float.IsFinite(sum);
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogForward<TOps, TVec>(float* x, float* y, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var max = Max<TOps, TVec>(x, n);
        var vmax = TOps.Create(max);
        var vsum = TOps.Zero;
        var vsum1 = TOps.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vsum = TOps.Add(vsum, TOps.Exp(TOps.Subtract(TOps.Load(x + j), vmax)));
            vsum1 = TOps.Add(vsum1, TOps.Exp(TOps.Subtract(TOps.Load(x + j + w), vmax)));
        }
        for (; j + w <= n; j += w)
            vsum = TOps.Add(vsum, TOps.Exp(TOps.Subtract(TOps.Load(x + j), vmax)));
        var sum = TOps.SumAcross(TOps.Add(vsum, vsum1));
        for (; j < n; j++)
            sum += ScalarOps.Exp(x[j] - max);
        var logSum = MathF.Log(sum);
        var vlog = TOps.Create(logSum);
        for (j = 0; j + w <= n; j += w)
            TOps.Store(y + j, TOps.Subtract(TOps.Subtract(TOps.Load(x + j), vmax), vlog));
        for (; j < n; j++)
            y[j] = x[j] - max - logSum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TOps, TVec>(float* x, float* dy, float* y, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var vdot = TOps.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vdot = TOps.MultiplyAdd(TOps.Load(dy + j), TOps.Load(x + j), vdot);
        var dot = TOps.SumAcross(vdot);
        for (; j < n; j++)
            dot = MathF.FusedMultiplyAdd(dy[j], x[j], dot);
        var vd = TOps.Create(dot);
        for (j = 0; j + w <= n; j += w)
            TOps.Store(y + j, TOps.Multiply(TOps.Load(x + j), TOps.Subtract(TOps.Load(dy + j), vd)));
        for (; j < n; j++)
            y[j] = x[j] * (dy[j] - dot);
    }

    // x is a log-softmax output, so x <= 0 (or NaN) and e^x is within TOps.Exp's contract.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogBackward<TOps, TVec>(float* x, float* dy, float* y, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var vsum = TOps.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vsum = TOps.Add(vsum, TOps.Load(dy + j));
        var sum = TOps.SumAcross(vsum);
        for (; j < n; j++)
            sum += dy[j];
        var vs = TOps.Create(sum);
        for (j = 0; j + w <= n; j += w)
            TOps.Store(y + j, TOps.Subtract(TOps.Load(dy + j), TOps.Multiply(TOps.Exp(TOps.Load(x + j)), vs)));
        for (; j < n; j++)
            y[j] = dy[j] - ScalarOps.Exp(x[j]) * sum;
    }

    private struct State
    {
        public Op Op;
        public IsaLevel Isa;
        public float* X;
        public float* Dy;
        public float* Y;
        public int Cols;
    }
}
