using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
                case IsaLevel.Avx512: Row512(s->Op, x, dy, y, n); break;
                case IsaLevel.Avx2: Row256(s->Op, x, dy, y, n); break;
                case IsaLevel.Vector128: Row128(s->Op, x, dy, y, n); break;
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

    private static void Row512(Op op, float* x, float* dy, float* y, int n)
    {
        switch (op)
        {
            case Op.Forward: Forward512(x, y, n); break;
            case Op.LogForward: LogForward512(x, y, n); break;
            case Op.Backward: Backward512(x, dy, y, n); break;
            default: LogBackward512(x, dy, y, n); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max512(float* x, int n)
    {
        var w = Vector512<float>.Count;
        var vmax = Vector512.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vmax = Vector512.MaxNative(vmax, Vector512.Load(x + j));
            vmax1 = Vector512.MaxNative(vmax1, Vector512.Load(x + j + w));
        }
        for (; j + w <= n; j += w)
            vmax = Vector512.MaxNative(vmax, Vector512.Load(x + j));
        var max = VectorMath.MaxAcross(Vector512.MaxNative(vmax, vmax1));
        for (; j < n; j++)
            max = MathF.Max(max, x[j]);
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward512(float* x, float* y, int n)
    {
        var w = Vector512<float>.Count;
        var max = MaxChecked512(x, n, out var finite);
        if (!finite)
        {
            ForwardSpecial512(x, y, n, Max512(x, n));
            return;
        }
        // Finite inputs: x - max <= 0, so the cheaper exp (no upper clamp, no NaN pass-through) is exact enough.
        var vmax = Vector512.Create(max);
        var vsum = Vector512<float>.Zero;
        var vsum1 = Vector512<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            // Rows are contiguous: fetch the next row of x (one 64-byte line per vector) while this one is in the exp,
            // so its max pass reads from L1 instead of waiting on L3; and the next row of y, whose lines then arrive
            // exclusive and take the stores without a read-for-ownership miss. Prefetches past the end do not fault.
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(x + n + j);
                Sse.Prefetch0(x + n + j + w);
                Sse.Prefetch0(y + n + j);
                Sse.Prefetch0(y + n + j + w);
            }
            var e0 = ExpOp.InvokeNonPositive(Vector512.Load(x + j) - vmax);
            var e1 = ExpOp.InvokeNonPositive(Vector512.Load(x + j + w) - vmax);
            Vector512.Store(e0, y + j);
            Vector512.Store(e1, y + j + w);
            vsum += e0;
            vsum1 += e1;
        }
        for (; j + w <= n; j += w)
        {
            var e = ExpOp.InvokeNonPositive(Vector512.Load(x + j) - vmax);
            Vector512.Store(e, y + j);
            vsum += e;
        }
        var sum = Vector512.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            var e = ExpOp.InvokeClamped(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = Vector512.Create(inv);
        for (j = 0; j + w <= n; j += w)
            Vector512.Store(Vector512.Load(y + j) * vinv, y + j);
        for (; j < n; j++)
            y[j] *= inv;
    }

    // The row max, and whether the row is free of NaN and infinities (their sum is finite; an overflowing sum of
    // large finite values only sends the row to the general path).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxChecked512(float* x, int n, out bool finite)
    {
        var w = Vector512<float>.Count;
        var vmax = Vector512.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var vsum = Vector512<float>.Zero;
        var vsum1 = Vector512<float>.Zero;
        var j = 0;
        // Four vectors a step into two accumulators each: maxps and addps have a 4-cycle latency, so two chains
        // per accumulator kind would hold the loop to 2 cycles per vector.
        if (j + 4 * w <= n)
        {
            var vmax2 = vmax;
            var vmax3 = vmax;
            var vsum2 = vsum;
            var vsum3 = vsum;
            for (; j + 4 * w <= n; j += 4 * w)
            {
                var a = Vector512.Load(x + j);
                var b = Vector512.Load(x + j + w);
                var c = Vector512.Load(x + j + 2 * w);
                var d = Vector512.Load(x + j + 3 * w);
                vmax = Vector512.MaxNative(vmax, a);
                vmax1 = Vector512.MaxNative(vmax1, b);
                vmax2 = Vector512.MaxNative(vmax2, c);
                vmax3 = Vector512.MaxNative(vmax3, d);
                vsum += a;
                vsum1 += b;
                vsum2 += c;
                vsum3 += d;
            }
            vmax = Vector512.MaxNative(vmax, vmax2);
            vmax1 = Vector512.MaxNative(vmax1, vmax3);
            vsum += vsum2;
            vsum1 += vsum3;
        }
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var a = Vector512.Load(x + j);
            var b = Vector512.Load(x + j + w);
            vmax = Vector512.MaxNative(vmax, a);
            vmax1 = Vector512.MaxNative(vmax1, b);
            vsum += a;
            vsum1 += b;
        }
        for (; j + w <= n; j += w)
        {
            var a = Vector512.Load(x + j);
            vmax = Vector512.MaxNative(vmax, a);
            vsum += a;
        }
        var max = VectorMath.MaxAcross(Vector512.MaxNative(vmax, vmax1));
        var sum = Vector512.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            max = MathF.Max(max, x[j]);
            sum += x[j];
        }
        finite = float.IsFinite(sum);
        return max;
    }

    // Rows with NaN or infinities: the full exp, which passes NaN through, so the row follows max-subtracted
    // softmax in IEEE arithmetic (a NaN anywhere gives a NaN row, as PyTorch).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSpecial512(float* x, float* y, int n, float max)
    {
        var w = Vector512<float>.Count;
        var vmax = Vector512.Create(max);
        var vsum = Vector512<float>.Zero;
        var vsum1 = Vector512<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var e0 = ExpOp.Invoke(Vector512.Load(x + j) - vmax);
            var e1 = ExpOp.Invoke(Vector512.Load(x + j + w) - vmax);
            Vector512.Store(e0, y + j);
            Vector512.Store(e1, y + j + w);
            vsum += e0;
            vsum1 += e1;
        }
        for (; j + w <= n; j += w)
        {
            var e = ExpOp.Invoke(Vector512.Load(x + j) - vmax);
            Vector512.Store(e, y + j);
            vsum += e;
        }
        var sum = Vector512.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            var e = MathF.Exp(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = Vector512.Create(inv);
        for (j = 0; j + w <= n; j += w)
            Vector512.Store(Vector512.Load(y + j) * vinv, y + j);
        for (; j < n; j++)
            y[j] *= inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogForward512(float* x, float* y, int n)
    {
        var w = Vector512<float>.Count;
        var max = Max512(x, n);
        var vmax = Vector512.Create(max);
        var vsum = Vector512<float>.Zero;
        var vsum1 = Vector512<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vsum += ExpOp.Invoke(Vector512.Load(x + j) - vmax);
            vsum1 += ExpOp.Invoke(Vector512.Load(x + j + w) - vmax);
        }
        for (; j + w <= n; j += w)
            vsum += ExpOp.Invoke(Vector512.Load(x + j) - vmax);
        var sum = Vector512.Sum(vsum + vsum1);
        for (; j < n; j++)
            sum += MathF.Exp(x[j] - max);
        var logSum = MathF.Log(sum);
        var vlog = Vector512.Create(logSum);
        for (j = 0; j + w <= n; j += w)
            Vector512.Store(Vector512.Load(x + j) - vmax - vlog, y + j);
        for (; j < n; j++)
            y[j] = x[j] - max - logSum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward512(float* x, float* dy, float* y, int n)
    {
        var w = Vector512<float>.Count;
        var vdot = Vector512<float>.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vdot = Vector512.FusedMultiplyAdd(Vector512.Load(dy + j), Vector512.Load(x + j), vdot);
        var dot = Vector512.Sum(vdot);
        for (; j < n; j++)
            dot = MathF.FusedMultiplyAdd(dy[j], x[j], dot);
        var vd = Vector512.Create(dot);
        for (j = 0; j + w <= n; j += w)
            Vector512.Store(Vector512.Load(x + j) * (Vector512.Load(dy + j) - vd), y + j);
        for (; j < n; j++)
            y[j] = x[j] * (dy[j] - dot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogBackward512(float* x, float* dy, float* y, int n)
    {
        var w = Vector512<float>.Count;
        var vsum = Vector512<float>.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vsum += Vector512.Load(dy + j);
        var sum = Vector512.Sum(vsum);
        for (; j < n; j++)
            sum += dy[j];
        var vs = Vector512.Create(sum);
        for (j = 0; j + w <= n; j += w)
            Vector512.Store(Vector512.Load(dy + j) - ExpOp.Invoke(Vector512.Load(x + j)) * vs, y + j);
        for (; j < n; j++)
            y[j] = dy[j] - MathF.Exp(x[j]) * sum;
    }


    private static void Row256(Op op, float* x, float* dy, float* y, int n)
    {
        switch (op)
        {
            case Op.Forward: Forward256(x, y, n); break;
            case Op.LogForward: LogForward256(x, y, n); break;
            case Op.Backward: Backward256(x, dy, y, n); break;
            default: LogBackward256(x, dy, y, n); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max256(float* x, int n)
    {
        var w = Vector256<float>.Count;
        var vmax = Vector256.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vmax = Vector256.MaxNative(vmax, Vector256.Load(x + j));
            vmax1 = Vector256.MaxNative(vmax1, Vector256.Load(x + j + w));
        }
        for (; j + w <= n; j += w)
            vmax = Vector256.MaxNative(vmax, Vector256.Load(x + j));
        var max = VectorMath.MaxAcross(Vector256.MaxNative(vmax, vmax1));
        for (; j < n; j++)
            max = MathF.Max(max, x[j]);
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward256(float* x, float* y, int n)
    {
        var w = Vector256<float>.Count;
        var max = MaxChecked256(x, n, out var finite);
        if (!finite)
        {
            ForwardSpecial256(x, y, n, Max256(x, n));
            return;
        }
        // Finite inputs: x - max <= 0, so the cheaper exp (no upper clamp, no NaN pass-through) is exact enough.
        var vmax = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        var vsum1 = Vector256<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            // The next rows of x and y, one 64-byte line a step, as in Forward512.
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(x + n + j);
                Sse.Prefetch0(y + n + j);
            }
            var e0 = ExpOp.InvokeNonPositive(Vector256.Load(x + j) - vmax);
            var e1 = ExpOp.InvokeNonPositive(Vector256.Load(x + j + w) - vmax);
            Vector256.Store(e0, y + j);
            Vector256.Store(e1, y + j + w);
            vsum += e0;
            vsum1 += e1;
        }
        for (; j + w <= n; j += w)
        {
            var e = ExpOp.InvokeNonPositive(Vector256.Load(x + j) - vmax);
            Vector256.Store(e, y + j);
            vsum += e;
        }
        var sum = Vector256.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            var e = ExpOp.InvokeClamped(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = Vector256.Create(inv);
        for (j = 0; j + w <= n; j += w)
            Vector256.Store(Vector256.Load(y + j) * vinv, y + j);
        for (; j < n; j++)
            y[j] *= inv;
    }

    // The row max, and whether the row is free of NaN and infinities (their sum is finite; an overflowing sum of
    // large finite values only sends the row to the general path).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxChecked256(float* x, int n, out bool finite)
    {
        var w = Vector256<float>.Count;
        var vmax = Vector256.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var vsum = Vector256<float>.Zero;
        var vsum1 = Vector256<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var a = Vector256.Load(x + j);
            var b = Vector256.Load(x + j + w);
            vmax = Vector256.MaxNative(vmax, a);
            vmax1 = Vector256.MaxNative(vmax1, b);
            vsum += a;
            vsum1 += b;
        }
        for (; j + w <= n; j += w)
        {
            var a = Vector256.Load(x + j);
            vmax = Vector256.MaxNative(vmax, a);
            vsum += a;
        }
        var max = VectorMath.MaxAcross(Vector256.MaxNative(vmax, vmax1));
        var sum = Vector256.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            max = MathF.Max(max, x[j]);
            sum += x[j];
        }
        finite = float.IsFinite(sum);
        return max;
    }

    // Rows with NaN or infinities: the full exp, which passes NaN through, so the row follows max-subtracted
    // softmax in IEEE arithmetic (a NaN anywhere gives a NaN row, as PyTorch).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSpecial256(float* x, float* y, int n, float max)
    {
        var w = Vector256<float>.Count;
        var vmax = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        var vsum1 = Vector256<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var e0 = ExpOp.Invoke(Vector256.Load(x + j) - vmax);
            var e1 = ExpOp.Invoke(Vector256.Load(x + j + w) - vmax);
            Vector256.Store(e0, y + j);
            Vector256.Store(e1, y + j + w);
            vsum += e0;
            vsum1 += e1;
        }
        for (; j + w <= n; j += w)
        {
            var e = ExpOp.Invoke(Vector256.Load(x + j) - vmax);
            Vector256.Store(e, y + j);
            vsum += e;
        }
        var sum = Vector256.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            var e = MathF.Exp(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = Vector256.Create(inv);
        for (j = 0; j + w <= n; j += w)
            Vector256.Store(Vector256.Load(y + j) * vinv, y + j);
        for (; j < n; j++)
            y[j] *= inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogForward256(float* x, float* y, int n)
    {
        var w = Vector256<float>.Count;
        var max = Max256(x, n);
        var vmax = Vector256.Create(max);
        var vsum = Vector256<float>.Zero;
        var vsum1 = Vector256<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vsum += ExpOp.Invoke(Vector256.Load(x + j) - vmax);
            vsum1 += ExpOp.Invoke(Vector256.Load(x + j + w) - vmax);
        }
        for (; j + w <= n; j += w)
            vsum += ExpOp.Invoke(Vector256.Load(x + j) - vmax);
        var sum = Vector256.Sum(vsum + vsum1);
        for (; j < n; j++)
            sum += MathF.Exp(x[j] - max);
        var logSum = MathF.Log(sum);
        var vlog = Vector256.Create(logSum);
        for (j = 0; j + w <= n; j += w)
            Vector256.Store(Vector256.Load(x + j) - vmax - vlog, y + j);
        for (; j < n; j++)
            y[j] = x[j] - max - logSum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward256(float* x, float* dy, float* y, int n)
    {
        var w = Vector256<float>.Count;
        var vdot = Vector256<float>.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vdot = Vector256.FusedMultiplyAdd(Vector256.Load(dy + j), Vector256.Load(x + j), vdot);
        var dot = Vector256.Sum(vdot);
        for (; j < n; j++)
            dot = MathF.FusedMultiplyAdd(dy[j], x[j], dot);
        var vd = Vector256.Create(dot);
        for (j = 0; j + w <= n; j += w)
            Vector256.Store(Vector256.Load(x + j) * (Vector256.Load(dy + j) - vd), y + j);
        for (; j < n; j++)
            y[j] = x[j] * (dy[j] - dot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogBackward256(float* x, float* dy, float* y, int n)
    {
        var w = Vector256<float>.Count;
        var vsum = Vector256<float>.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vsum += Vector256.Load(dy + j);
        var sum = Vector256.Sum(vsum);
        for (; j < n; j++)
            sum += dy[j];
        var vs = Vector256.Create(sum);
        for (j = 0; j + w <= n; j += w)
            Vector256.Store(Vector256.Load(dy + j) - ExpOp.Invoke(Vector256.Load(x + j)) * vs, y + j);
        for (; j < n; j++)
            y[j] = dy[j] - MathF.Exp(x[j]) * sum;
    }


    private static void Row128(Op op, float* x, float* dy, float* y, int n)
    {
        switch (op)
        {
            case Op.Forward: Forward128(x, y, n); break;
            case Op.LogForward: LogForward128(x, y, n); break;
            case Op.Backward: Backward128(x, dy, y, n); break;
            default: LogBackward128(x, dy, y, n); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max128(float* x, int n)
    {
        var w = Vector128<float>.Count;
        var vmax = Vector128.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vmax = Vector128.MaxNative(vmax, Vector128.Load(x + j));
            vmax1 = Vector128.MaxNative(vmax1, Vector128.Load(x + j + w));
        }
        for (; j + w <= n; j += w)
            vmax = Vector128.MaxNative(vmax, Vector128.Load(x + j));
        var max = VectorMath.MaxAcross(Vector128.MaxNative(vmax, vmax1));
        for (; j < n; j++)
            max = MathF.Max(max, x[j]);
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward128(float* x, float* y, int n)
    {
        var w = Vector128<float>.Count;
        var max = MaxChecked128(x, n, out var finite);
        if (!finite)
        {
            ForwardSpecial128(x, y, n, Max128(x, n));
            return;
        }
        // Finite inputs: x - max <= 0, so the cheaper exp (no upper clamp, no NaN pass-through) is exact enough.
        var vmax = Vector128.Create(max);
        var vsum = Vector128<float>.Zero;
        var vsum1 = Vector128<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var e0 = ExpOp.InvokeNonPositive(Vector128.Load(x + j) - vmax);
            var e1 = ExpOp.InvokeNonPositive(Vector128.Load(x + j + w) - vmax);
            Vector128.Store(e0, y + j);
            Vector128.Store(e1, y + j + w);
            vsum += e0;
            vsum1 += e1;
        }
        for (; j + w <= n; j += w)
        {
            var e = ExpOp.InvokeNonPositive(Vector128.Load(x + j) - vmax);
            Vector128.Store(e, y + j);
            vsum += e;
        }
        var sum = Vector128.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            var e = ExpOp.InvokeClamped(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = Vector128.Create(inv);
        for (j = 0; j + w <= n; j += w)
            Vector128.Store(Vector128.Load(y + j) * vinv, y + j);
        for (; j < n; j++)
            y[j] *= inv;
    }

    // The row max, and whether the row is free of NaN and infinities (their sum is finite; an overflowing sum of
    // large finite values only sends the row to the general path).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxChecked128(float* x, int n, out bool finite)
    {
        var w = Vector128<float>.Count;
        var vmax = Vector128.Create(float.NegativeInfinity);
        var vmax1 = vmax;
        var vsum = Vector128<float>.Zero;
        var vsum1 = Vector128<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var a = Vector128.Load(x + j);
            var b = Vector128.Load(x + j + w);
            vmax = Vector128.MaxNative(vmax, a);
            vmax1 = Vector128.MaxNative(vmax1, b);
            vsum += a;
            vsum1 += b;
        }
        for (; j + w <= n; j += w)
        {
            var a = Vector128.Load(x + j);
            vmax = Vector128.MaxNative(vmax, a);
            vsum += a;
        }
        var max = VectorMath.MaxAcross(Vector128.MaxNative(vmax, vmax1));
        var sum = Vector128.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            max = MathF.Max(max, x[j]);
            sum += x[j];
        }
        finite = float.IsFinite(sum);
        return max;
    }

    // Rows with NaN or infinities: the full exp, which passes NaN through, so the row follows max-subtracted
    // softmax in IEEE arithmetic (a NaN anywhere gives a NaN row, as PyTorch).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSpecial128(float* x, float* y, int n, float max)
    {
        var w = Vector128<float>.Count;
        var vmax = Vector128.Create(max);
        var vsum = Vector128<float>.Zero;
        var vsum1 = Vector128<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            var e0 = ExpOp.Invoke(Vector128.Load(x + j) - vmax);
            var e1 = ExpOp.Invoke(Vector128.Load(x + j + w) - vmax);
            Vector128.Store(e0, y + j);
            Vector128.Store(e1, y + j + w);
            vsum += e0;
            vsum1 += e1;
        }
        for (; j + w <= n; j += w)
        {
            var e = ExpOp.Invoke(Vector128.Load(x + j) - vmax);
            Vector128.Store(e, y + j);
            vsum += e;
        }
        var sum = Vector128.Sum(vsum + vsum1);
        for (; j < n; j++)
        {
            var e = MathF.Exp(x[j] - max);
            y[j] = e;
            sum += e;
        }
        var inv = 1f / sum;
        var vinv = Vector128.Create(inv);
        for (j = 0; j + w <= n; j += w)
            Vector128.Store(Vector128.Load(y + j) * vinv, y + j);
        for (; j < n; j++)
            y[j] *= inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogForward128(float* x, float* y, int n)
    {
        var w = Vector128<float>.Count;
        var max = Max128(x, n);
        var vmax = Vector128.Create(max);
        var vsum = Vector128<float>.Zero;
        var vsum1 = Vector128<float>.Zero;
        var j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            vsum += ExpOp.Invoke(Vector128.Load(x + j) - vmax);
            vsum1 += ExpOp.Invoke(Vector128.Load(x + j + w) - vmax);
        }
        for (; j + w <= n; j += w)
            vsum += ExpOp.Invoke(Vector128.Load(x + j) - vmax);
        var sum = Vector128.Sum(vsum + vsum1);
        for (; j < n; j++)
            sum += MathF.Exp(x[j] - max);
        var logSum = MathF.Log(sum);
        var vlog = Vector128.Create(logSum);
        for (j = 0; j + w <= n; j += w)
            Vector128.Store(Vector128.Load(x + j) - vmax - vlog, y + j);
        for (; j < n; j++)
            y[j] = x[j] - max - logSum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward128(float* x, float* dy, float* y, int n)
    {
        var w = Vector128<float>.Count;
        var vdot = Vector128<float>.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vdot = Vector128.FusedMultiplyAdd(Vector128.Load(dy + j), Vector128.Load(x + j), vdot);
        var dot = Vector128.Sum(vdot);
        for (; j < n; j++)
            dot = MathF.FusedMultiplyAdd(dy[j], x[j], dot);
        var vd = Vector128.Create(dot);
        for (j = 0; j + w <= n; j += w)
            Vector128.Store(Vector128.Load(x + j) * (Vector128.Load(dy + j) - vd), y + j);
        for (; j < n; j++)
            y[j] = x[j] * (dy[j] - dot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogBackward128(float* x, float* dy, float* y, int n)
    {
        var w = Vector128<float>.Count;
        var vsum = Vector128<float>.Zero;
        var j = 0;
        for (; j + w <= n; j += w)
            vsum += Vector128.Load(dy + j);
        var sum = Vector128.Sum(vsum);
        for (; j < n; j++)
            sum += dy[j];
        var vs = Vector128.Create(sum);
        for (j = 0; j + w <= n; j += w)
            Vector128.Store(Vector128.Load(dy + j) - ExpOp.Invoke(Vector128.Load(x + j)) * vs, y + j);
        for (; j < n; j++)
            y[j] = dy[j] - MathF.Exp(x[j]) * sum;
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
