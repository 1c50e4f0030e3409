using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Simd;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Single-precision matrix multiply on raw row-major memory:
/// <c>C = act(alpha * op(A) op(B) + beta * C + bias)</c>, with C M x N, op(A) M x K and op(B) K x N.
/// </summary>
/// <remarks>
/// Row-major throughout: element (r, c) of a matrix with leading dimension ld is at <c>ptr[r * ld + c]</c>.
/// <c>transA</c> means A is stored K x M (lda &gt;= M) and op(A) = Aᵀ, otherwise A is stored M x K (lda &gt;= K);
/// <c>transB</c> means B is stored N x K (ldb &gt;= K), otherwise K x N (ldb &gt;= N). So a PyTorch-style
/// <c>linear</c>, Y[M, N] = X[M, K] W[N, K]ᵀ + b, is <c>Multiply(isa, false, true, M, N, K, 1, X, K, W, K, 0, Y, N,
/// new GemmEpilogue(b))</c>; its gradients are dX = dY W (<c>false, false</c>) and dW += dYᵀ X (<c>true, false</c>,
/// beta = 1). A convolution by im2col is Y[outC, L] = W[outC, K] cols[K, L] (K = inC kh kw), whose bias is per
/// row: either add it afterwards, or compute the channels-last Yᵀ[L, outC] = colsᵀ Wᵀ (<c>true, true</c>) with the
/// bias as the per-column epilogue. bmm is <see cref="MultiplyBatched"/> with the batch strides. Views work directly: pass the view's first element and its row stride.
/// beta = 0 never reads C (it may hold NaN); beta = 1 accumulates (gradients). M = 1 or N = 1 runs as an
/// unpacked matrix-vector product.
/// Work is split across threads by blocks of output rows (or columns when there are few rows); each output has
/// one writer and results are bitwise identical for any thread count.
/// </remarks>
internal static unsafe class Sgemm
{
    // Below this many multiply-adds a product runs on the calling thread.
    private const long MinParallelWork = 1L << 19;

    // Column splits with A read in place cost nothing extra per part (each part packs only its own columns of B),
    // so they are cut into this many parts per thread, claimed as threads come free: a thread that the OS
    // deschedules then delays only its current part.
    private const int ColumnPartsPerThread = 4;

    /// <summary>Computes <c>C = act(alpha * op(A) op(B) + beta * C + bias)</c>.</summary>
    /// <param name="isa">Instruction-set level (callers pass <see cref="Isa.Current"/>).</param>
    /// <param name="transA">A is stored K x M.</param>
    /// <param name="transB">B is stored N x K.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Depth.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, row stride <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A as stored.</param>
    /// <param name="b">B, row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="beta">Scale of the existing C (0: C is not read).</param>
    /// <param name="c">C [M, N], row stride <paramref name="ldc"/>.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="epilogue">Optional per-column bias and activation.</param>
    /// <param name="threads">Threads to use; 0 for <see cref="WorkerPool.Threads"/>.</param>
    public static void Multiply(IsaLevel isa, bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc,
        GemmEpilogue epilogue = default, int threads = 0)
    {
        Validate(transA, transB, m, n, k, lda, ldb, ldc);
        if (m == 0 || n == 0)
            return;
        var problem = new GemmProblem(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
        Run(isa, problem, Threads(threads));
    }

    /// <summary>
    /// Computes <paramref name="batch"/> independent products; matrix i uses A + i * strideA, B + i * strideB and
    /// C + i * strideC (a stride of 0 reuses one matrix: with strideC = 0 and beta = 1 the products accumulate
    /// into C in batch order). Many small matrices are split across threads whole; few large ones, or a shared C,
    /// are each split across threads.
    /// </summary>
    /// <param name="isa">Instruction-set level (callers pass <see cref="Isa.Current"/>).</param>
    /// <param name="transA">Each A is stored K x M.</param>
    /// <param name="transB">Each B is stored N x K.</param>
    /// <param name="batch">Number of products.</param>
    /// <param name="m">Rows of each C.</param>
    /// <param name="n">Columns of each C.</param>
    /// <param name="k">Depth.</param>
    /// <param name="alpha">Scale of the products.</param>
    /// <param name="a">First A.</param>
    /// <param name="lda">Row stride of each A.</param>
    /// <param name="strideA">Elements between consecutive A matrices.</param>
    /// <param name="b">First B.</param>
    /// <param name="ldb">Row stride of each B.</param>
    /// <param name="strideB">Elements between consecutive B matrices.</param>
    /// <param name="beta">Scale of the existing C.</param>
    /// <param name="c">First C.</param>
    /// <param name="ldc">Row stride of each C.</param>
    /// <param name="strideC">Elements between consecutive C matrices.</param>
    /// <param name="epilogue">Optional per-column bias (shared by all matrices) and activation.</param>
    /// <param name="threads">Threads to use; 0 for <see cref="WorkerPool.Threads"/>.</param>
    public static void MultiplyBatched(IsaLevel isa, bool transA, bool transB, int batch, int m, int n, int k,
        float alpha, float* a, int lda, long strideA, float* b, int ldb, long strideB,
        float beta, float* c, int ldc, long strideC, GemmEpilogue epilogue = default, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        Validate(transA, transB, m, n, k, lda, ldb, ldc);
        if (batch == 0 || m == 0 || n == 0)
            return;
        var state = new BatchState
        {
            Isa = isa,
            Problem = new GemmProblem(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue),
            StrideA = strideA,
            StrideB = strideB,
            StrideC = strideC,
            Batch = batch,
        };
        var t = Threads(threads);
        // Whole matrices per thread needs distinct outputs: with strideC = 0 (every product accumulates into
        // one C, e.g. a weight gradient summed over the batch) the matrices run in order, each split across threads.
        if (t > 1 && batch >= 2 * t && strideC != 0)
        {
            // Whole matrices per thread: each is computed single-threaded, which gives the same bits.
            state.Parts = t;
            state.Threads = 1;
            WorkerPool.Run(t, &BatchPart, &state);
            return;
        }
        state.Parts = 1;
        state.Threads = t;
        BatchPart(&state, 0);
    }

    private static void BatchPart(void* statePointer, int part)
    {
        var s = (BatchState*)statePointer;
        var p = s->Problem;
        if (s->Parts == 1)
        {
            for (var i = 0; i < s->Batch; i++)
                RunItem(s, p, i);
            return;
        }
        // Threads take matrices one at a time, so a thread that is descheduled delays only its current matrix.
        // Each matrix is computed by one thread with the same arithmetic, so the bits do not depend on who takes it.
        int i2;
        while ((i2 = Interlocked.Increment(ref s->Next) - 1) < s->Batch)
            RunItem(s, p, i2);
    }

    private static void RunItem(BatchState* s, in GemmProblem p, int i)
    {
        var item = new GemmProblem(p.TransA, p.TransB, p.M, p.N, p.K, p.Alpha, p.A + i * s->StrideA, p.Lda,
            p.B + i * s->StrideB, p.Ldb, p.Beta, p.C + i * s->StrideC, p.Ldc, new GemmEpilogue(p.Bias, p.Activation));
        Run(s->Isa, item, s->Threads);
    }

    private static void Run(IsaLevel isa, in GemmProblem p, int threads)
    {
        if ((p.M == 1 || p.N == 1) && isa != IsaLevel.Scalar && p.K > 0 && p.Alpha != 0f)
        {
            Gemv.Run(isa, p, threads);
            return;
        }
        switch (isa)
        {
            case IsaLevel.Avx512:
                Run<GemmKernelAvx512>(p, threads, isa);
                break;
            case IsaLevel.Avx2:
                Run<GemmKernel6x2<Simd256Ops, Vector256<float>>>(p, threads, isa);
                break;
            case IsaLevel.Vector128:
                Run<GemmKernel6x2<Simd128Ops, Vector128<float>>>(p, threads, isa);
                break;
            default:
                RunReference(p, threads);
                break;
        }
    }

    private static void Run<TKernel>(in GemmProblem p, int threads, IsaLevel isa)
        where TKernel : struct, IGemmKernel
    {
        var parts = 1;
        var splitRows = true;
        if (threads > 1 && (long)p.M * p.N * Math.Max(1, p.K) >= MinParallelWork)
        {
            var rowTiles = (p.M + TKernel.Mr - 1) / TKernel.Mr;
            var colTiles = (p.N + TKernel.Nr - 1) / TKernel.Nr;
            // Split the longer side: rows when there are at least as many rows as columns (each thread then
            // packs all of B once), else columns (each thread packs all of A, or reads it in place).
            splitRows = rowTiles >= threads && (p.M >= p.N || colTiles < threads);
            parts = splitRows ? Math.Min(threads, rowTiles)
                : Math.Min(colTiles, p.TransA ? threads : threads * ColumnPartsPerThread);
        }
        if (parts <= 1)
        {
            GemmDriver<TKernel>.Run(p, 0, p.M, 0, p.N);
            return;
        }
        var state = new SplitState { Problem = p, Parts = parts, SplitRows = splitRows, Isa = isa };
        WorkerPool.Run(parts, &SplitPart<TKernel>, &state);
    }

    private static void SplitPart<TKernel>(void* statePointer, int part)
        where TKernel : struct, IGemmKernel
    {
        var s = (SplitState*)statePointer;
        var p = s->Problem;
        if (s->SplitRows)
        {
            var tiles = (p.M + TKernel.Mr - 1) / TKernel.Mr;
            var m0 = (int)((long)tiles * part / s->Parts) * TKernel.Mr;
            var m1 = Math.Min(p.M, (int)((long)tiles * (part + 1) / s->Parts) * TKernel.Mr);
            GemmDriver<TKernel>.Run(p, m0, m1, 0, p.N);
        }
        else
        {
            var tiles = (p.N + TKernel.Nr - 1) / TKernel.Nr;
            var n0 = (int)((long)tiles * part / s->Parts) * TKernel.Nr;
            var n1 = Math.Min(p.N, (int)((long)tiles * (part + 1) / s->Parts) * TKernel.Nr);
            GemmDriver<TKernel>.Run(p, 0, p.M, n0, n1);
        }
    }

    private static void RunReference(in GemmProblem p, int threads)
    {
        var parts = threads > 1 && (long)p.M * p.N * Math.Max(1, p.K) >= MinParallelWork ? Math.Min(threads, p.M) : 1;
        var state = new SplitState { Problem = p, Parts = parts, SplitRows = true, Isa = IsaLevel.Scalar };
        WorkerPool.Run(parts, &ReferencePart, &state);
    }

    private static void ReferencePart(void* statePointer, int part)
    {
        var s = (SplitState*)statePointer;
        var m = s->Problem.M;
        SgemmReference.Run(s->Problem, (int)((long)m * part / s->Parts), (int)((long)m * (part + 1) / s->Parts));
    }

    private static int Threads(int threads) =>
        threads <= 0 ? WorkerPool.Threads : Math.Min(threads, WorkerPool.MaxThreads);

    private static void Validate(bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, Math.Max(1, transA ? m : k));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, Math.Max(1, transB ? k : n));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, Math.Max(1, n));
    }

    private struct SplitState
    {
        public GemmProblem Problem;
        public int Parts;
        public bool SplitRows;
        public IsaLevel Isa;
    }

    private struct BatchState
    {
        public GemmProblem Problem;
        public IsaLevel Isa;
        public long StrideA;
        public long StrideB;
        public long StrideC;
        public int Batch;
        public int Parts;
        public int Threads;
        public int Next;
    }
}
