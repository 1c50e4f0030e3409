using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Elementwise activations (ReLU, exact GELU, tanh GELU) forward and backward in one pass each, and the fused
/// bias + activation of a row-major [M, N] + bias[N] with its backward (dx and a deterministic dbias).
/// </summary>
/// <remarks>
/// A GELU composed of separate library calls (scale, erf, add, multiply, ...) makes one pass over memory per
/// call; these kernels make one. Work is split across threads in blocks whose boundaries are multiples of the
/// widest vector, so each element takes the same vector or scalar path whatever the thread count.
/// </remarks>
internal static unsafe class Activation
{
    // Elements per parallel block (a multiple of every vector width).
    private const int Block = 1 << 14;

    /// <summary>y = act(x) over <paramref name="count"/> elements (y may equal x).</summary>
    public static void Forward(IsaLevel isa, ActivationKind kind, float* x, float* y, long count, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var s = new State { Isa = isa, Kind = kind, X = x, Y = y, Count = count, Backward = false };
        RowParallel.Run((int)((count + Block - 1) / Block), Block, threads, &Blocks, &s);
    }

    /// <summary>dx = dy * act'(x) over <paramref name="count"/> elements (dx may equal dy).</summary>
    public static void Backward(IsaLevel isa, ActivationKind kind, float* x, float* dy, float* dx, long count, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var s = new State { Isa = isa, Kind = kind, X = x, Dy = dy, Y = dx, Count = count, Backward = true };
        RowParallel.Run((int)((count + Block - 1) / Block), Block, threads, &Blocks, &s);
    }

    /// <summary>y[i, j] = act(x[i, j] + bias[j]) for x [rows, cols]; bias may be null (y may equal x).</summary>
    public static void BiasForward(IsaLevel isa, ActivationKind kind, float* x, float* bias, float* y, int rows, int cols, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var s = new State { Isa = isa, Kind = kind, X = x, Bias = bias, Y = y, Cols = cols, Rows = rows };
        RowParallel.Run(rows, cols, threads, &BiasRows, &s);
    }

    /// <summary>
    /// Backward of <see cref="BiasForward"/>: dx[i, j] = dy[i, j] act'(x[i, j] + bias[j]) and
    /// dbias[j] (+)= sum over i of dx[i, j] (dbias null to skip; reduced in fixed row chunks).
    /// </summary>
    public static void BiasBackward(IsaLevel isa, ActivationKind kind, float* x, float* bias, float* dy, float* dx,
        float* dbias, int rows, int cols, bool accumulate, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var chunks = ColumnSums.Chunks(rows);
        var partials = dbias != null ? ColumnSums.Rent(chunks, cols) : null;
        try
        {
            fixed (float* p = partials)
            {
                var s = new State
                {
                    Isa = isa, Kind = kind, X = x, Bias = bias, Dy = dy, Y = dx, Cols = cols, Rows = rows, Partials = p,
                    Backward = true,
                };
                RowParallel.Run(chunks, (long)ColumnSums.ChunkRows * cols, threads, &BiasBackwardChunks, &s);
                ColumnSums.Reduce(p, chunks, cols, 0, dbias, cols, accumulate);
            }
        }
        finally
        {
            if (partials is not null)
                ColumnSums.Return(partials);
        }
    }

    private static void Blocks(void* statePointer, int start, int end)
    {
        var s = (State*)statePointer;
        var i0 = (long)start * Block;
        var i1 = Math.Min(s->Count, (long)end * Block);
        for (var i = i0; i < i1; i += Block)
        {
            var n = (nint)Math.Min(Block, i1 - i);
            if (s->Backward)
                Dispatch(s->Isa, s->Kind, s->X + i, null, s->Dy + i, s->Y + i, n, true);
            else
                Dispatch(s->Isa, s->Kind, s->X + i, null, null, s->Y + i, n, false);
        }
    }

    private static void BiasRows(void* statePointer, int start, int end)
    {
        var s = (State*)statePointer;
        for (var r = start; r < end; r++)
        {
            var o = (nint)r * s->Cols;
            Dispatch(s->Isa, s->Kind, s->X + o, s->Bias, null, s->Y + o, s->Cols, false);
        }
    }

    private static void BiasBackwardChunks(void* statePointer, int start, int end)
    {
        var s = (State*)statePointer;
        var n = s->Cols;
        for (var chunk = start; chunk < end; chunk++)
        {
            var partial = s->Partials == null ? null : s->Partials + (nint)chunk * n;
            var r1 = Math.Min(s->Rows, (chunk + 1) * ColumnSums.ChunkRows);
            for (var r = chunk * ColumnSums.ChunkRows; r < r1; r++)
            {
                var o = (nint)r * n;
                Dispatch(s->Isa, s->Kind, s->X + o, s->Bias, s->Dy + o, s->Y + o, n, true);
                if (partial != null)
                    AddRow(partial, s->Y + o, n);
            }
        }
    }

    private static void AddRow(float* acc, float* row, int n)
    {
        var j = 0;
        for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count)
            Vector256.Store(Vector256.Load(acc + j) + Vector256.Load(row + j), acc + j);
        for (; j < n; j++)
            acc[j] += row[j];
    }

    private static void Dispatch(IsaLevel isa, ActivationKind kind, float* x, float* bias, float* dy, float* y, nint n, bool backward)
    {
        switch (kind, backward)
        {
            case (ActivationKind.Relu, false): Run<ReluOp>(isa, x, bias, null, y, n); break;
            case (ActivationKind.GeluErf, false): Run<GeluErfOp>(isa, x, bias, null, y, n); break;
            case (ActivationKind.GeluTanh, false): Run<GeluTanhOp>(isa, x, bias, null, y, n); break;
            case (ActivationKind.None, false): Run<IdentityOp>(isa, x, bias, null, y, n); break;
            case (ActivationKind.Relu, true): Run<ReluGradOp>(isa, x, bias, dy, y, n); break;
            case (ActivationKind.GeluErf, true): Run<GeluErfGradOp>(isa, x, bias, dy, y, n); break;
            case (ActivationKind.GeluTanh, true): Run<GeluTanhGradOp>(isa, x, bias, dy, y, n); break;
            default: Run<OneOp>(isa, x, bias, dy, y, n); break;
        }
    }

    // y = op(x + bias) * (dy ?? 1), with bias and dy optional.
    private static void Run<TOp>(IsaLevel isa, float* x, float* bias, float* dy, float* y, nint n)
        where TOp : struct, IUnaryOp
    {
        switch (isa)
        {
            case IsaLevel.Avx512: Run<TOp, Simd512Ops, Vector512<float>>(x, bias, dy, y, n); break;
            case IsaLevel.Avx2: Run<TOp, Simd256Ops, Vector256<float>>(x, bias, dy, y, n); break;
            case IsaLevel.Vector128: Run<TOp, Simd128Ops, Vector128<float>>(x, bias, dy, y, n); break;
            default: RunScalar<TOp>(x, bias, dy, y, 0, n); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunScalar<TOp>(float* x, float* bias, float* dy, float* y, nint start, nint n)
        where TOp : struct, IUnaryOp
    {
        for (var j = start; j < n; j++)
        {
            var v = TOp.Invoke(bias != null ? x[j] + bias[j] : x[j]);
            y[j] = dy != null ? v * dy[j] : v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOp, TOps, TVec>(float* x, float* bias, float* dy, float* y, nint n)
        where TOp : struct, IUnaryOp
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        nint j = 0;
        if (bias == null && dy == null)
        {
            for (; j + w <= n; j += w)
                TOps.Store(y + j, TOps.Apply<TOp>(TOps.Load(x + j)));
        }
        else if (dy == null)
        {
            for (; j + w <= n; j += w)
                TOps.Store(y + j, TOps.Apply<TOp>(TOps.Add(TOps.Load(x + j), TOps.Load(bias + j))));
        }
        else if (bias == null)
        {
            for (; j + w <= n; j += w)
                TOps.Store(y + j, TOps.Multiply(TOps.Apply<TOp>(TOps.Load(x + j)), TOps.Load(dy + j)));
        }
        else
        {
            for (; j + w <= n; j += w)
                TOps.Store(y + j, TOps.Multiply(TOps.Apply<TOp>(TOps.Add(TOps.Load(x + j), TOps.Load(bias + j))), TOps.Load(dy + j)));
        }
        RunScalar<TOp>(x, bias, dy, y, j, n);
    }

    private struct State
    {
        public IsaLevel Isa;
        public ActivationKind Kind;
        public float* X;
        public float* Bias;
        public float* Dy;
        public float* Y;
        public float* Partials;
        public long Count;
        public int Rows;
        public int Cols;
        public bool Backward;
    }
}
