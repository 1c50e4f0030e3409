using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Fused;
using TokenVision.Tensors.Kernels.Simd;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Matrix-vector products, the M = 1 and N = 1 cases of <see cref="Sgemm"/>, without packing:
/// <c>out[j] = sum over p of x[p] Mat(p, j)</c>, where Mat(p, j) is <c>mat[p * ld + j]</c> ("axpy" form, rows
/// of Mat streamed once) or <c>mat[j * ld + p]</c> ("dot" form, one dot product per output). A 1 x N product is
/// op(A)[0, :] op(B); an M x 1 product is the same with the roles of A and B exchanged (Cᵀ = op(B)ᵀ op(A)ᵀ).
/// Outputs are split across threads in blocks of 64, so results do not depend on the thread count.
/// </summary>
internal static unsafe class Gemv
{
    private const int Block = 64;
    private const long MinParallelWork = 1L << 16;

    /// <summary>Computes a GEMM with M = 1 or N = 1 (callers check); same contract as <see cref="Sgemm.Multiply"/>.</summary>
    public static void Run(IsaLevel isa, in GemmProblem p, int threads)
    {
        var s = new State { Isa = isa, Alpha = p.Alpha, Beta = p.Beta, K = p.K, Activation = p.Activation };
        if (p.M == 1)
        {
            s.X = p.A;
            s.XStride = p.TransA ? p.Lda : 1;
            s.Mat = p.B;
            s.Ld = p.Ldb;
            s.Dot = p.TransB;
            s.Out = p.C;
            s.OutStride = 1;
            s.Count = p.N;
            s.Bias = p.Bias;
            s.BiasStride = 1;
        }
        else
        {
            s.X = p.B;
            s.XStride = p.TransB ? 1 : p.Ldb;
            s.Mat = p.A;
            s.Ld = p.Lda;
            s.Dot = !p.TransA;
            s.Out = p.C;
            s.OutStride = p.Ldc;
            s.Count = p.M;
            s.Bias = p.Bias;
            s.BiasStride = 0;
        }
        var blocks = (s.Count + Block - 1) / Block;
        var parts = threads > 1 && (long)s.Count * Math.Max(1, s.K) >= MinParallelWork ? Math.Min(threads, blocks) : 1;
        s.Parts = parts;
        s.Blocks = blocks;
        WorkerPool.Run(parts, &Part, &s);
    }

    private static void Part(void* statePointer, int part)
    {
        var s = (State*)statePointer;
        var j0 = (int)((long)s->Blocks * part / s->Parts) * Block;
        var j1 = Math.Min(s->Count, (int)((long)s->Blocks * (part + 1) / s->Parts) * Block);
        if (j0 >= j1)
            return;
        var n = j1 - j0;
        var k = s->K;
        var acc = GemmBuffers.A(n + Block);
        var x = s->X;
        if (s->Dot && s->XStride != 1 && k > 0)
        {
            var packed = GemmBuffers.B(k);
            for (var q = 0; q < k; q++)
                packed[q] = x[(nint)q * s->XStride];
            x = packed;
        }
        var xs = s->Dot ? 1 : s->XStride;
        switch (s->Isa)
        {
            case IsaLevel.Avx512: Product<Simd512Ops, Vector512<float>>(s, x, xs, j0, k, acc, n); break;
            case IsaLevel.Avx2: Product<Simd256Ops, Vector256<float>>(s, x, xs, j0, k, acc, n); break;
            default: Product<Simd128Ops, Vector128<float>>(s, x, xs, j0, k, acc, n); break;
        }
        // Epilogue: the same arithmetic as the micro-kernels' stores.
        for (var j = 0; j < n; j++)
        {
            var v = s->Alpha * acc[j];
            var o = s->Out + (nint)(j0 + j) * s->OutStride;
            if (s->Beta != 0f)
                v = MathF.FusedMultiplyAdd(*o, s->Beta, v);
            if (s->Bias != null)
                v += s->Bias[(nint)(j0 + j) * s->BiasStride];
            acc[j] = v;
        }
        UnaryKernel.Activate(s->Isa, acc, n, s->Activation);
        for (var j = 0; j < n; j++)
            s->Out[(nint)(j0 + j) * s->OutStride] = acc[j];
    }

    private static void Product<TOps, TVec>(State* s, float* x, nint xs, int j0, int k, float* acc, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        if (s->Dot)
            Dot<TOps, TVec>(x, s->Mat + (nint)j0 * s->Ld, s->Ld, k, acc, n);
        else
            Axpy<TOps, TVec>(x, xs, s->Mat + j0, s->Ld, k, acc, n);
    }

    // acc[j] = sum over p of x[p * xs] mat[p * ld + j], j < n, accumulated in depth order with FMAs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy<TOps, TVec>(float* x, nint xs, float* mat, nint ld, int k, float* acc, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var j = 0;
        for (; j + 4 * w <= n; j += 4 * w)
        {
            var a0 = TOps.Zero;
            var a1 = TOps.Zero;
            var a2 = TOps.Zero;
            var a3 = TOps.Zero;
            var m = mat + j;
            for (var q = 0; q < k; q++, m += ld)
            {
                var xv = TOps.Create(x[q * xs]);
                a0 = TOps.MultiplyAdd(xv, TOps.Load(m), a0);
                a1 = TOps.MultiplyAdd(xv, TOps.Load(m + w), a1);
                a2 = TOps.MultiplyAdd(xv, TOps.Load(m + 2 * w), a2);
                a3 = TOps.MultiplyAdd(xv, TOps.Load(m + 3 * w), a3);
            }
            TOps.Store(acc + j, a0);
            TOps.Store(acc + j + w, a1);
            TOps.Store(acc + j + 2 * w, a2);
            TOps.Store(acc + j + 3 * w, a3);
        }
        for (; j + w <= n; j += w)
        {
            var a0 = TOps.Zero;
            var m = mat + j;
            for (var q = 0; q < k; q++, m += ld)
                a0 = TOps.MultiplyAdd(TOps.Create(x[q * xs]), TOps.Load(m), a0);
            TOps.Store(acc + j, a0);
        }
        for (; j < n; j++)
        {
            var a = 0f;
            for (var q = 0; q < k; q++)
                a = MathF.FusedMultiplyAdd(x[q * xs], mat[q * ld + j], a);
            acc[j] = a;
        }
    }

    // acc[j] = dot(x, mat[j * ld, ...]) over k, four outputs at a time.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot<TOps, TVec>(float* x, float* mat, nint ld, int k, float* acc, int n)
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        var j = 0;
        for (; j + 4 <= n; j += 4)
        {
            var r0 = mat + j * ld;
            var r1 = r0 + ld;
            var r2 = r1 + ld;
            var r3 = r2 + ld;
            var a0 = TOps.Zero;
            var a1 = TOps.Zero;
            var a2 = TOps.Zero;
            var a3 = TOps.Zero;
            var q = 0;
            for (; q + w <= k; q += w)
            {
                var xv = TOps.Load(x + q);
                a0 = TOps.MultiplyAdd(xv, TOps.Load(r0 + q), a0);
                a1 = TOps.MultiplyAdd(xv, TOps.Load(r1 + q), a1);
                a2 = TOps.MultiplyAdd(xv, TOps.Load(r2 + q), a2);
                a3 = TOps.MultiplyAdd(xv, TOps.Load(r3 + q), a3);
            }
            var s0 = TOps.SumAcross(a0);
            var s1 = TOps.SumAcross(a1);
            var s2 = TOps.SumAcross(a2);
            var s3 = TOps.SumAcross(a3);
            for (; q < k; q++)
            {
                s0 = MathF.FusedMultiplyAdd(x[q], r0[q], s0);
                s1 = MathF.FusedMultiplyAdd(x[q], r1[q], s1);
                s2 = MathF.FusedMultiplyAdd(x[q], r2[q], s2);
                s3 = MathF.FusedMultiplyAdd(x[q], r3[q], s3);
            }
            acc[j] = s0;
            acc[j + 1] = s1;
            acc[j + 2] = s2;
            acc[j + 3] = s3;
        }
        for (; j < n; j++)
        {
            var r = mat + j * ld;
            var a = TOps.Zero;
            var q = 0;
            for (; q + w <= k; q += w)
                a = TOps.MultiplyAdd(TOps.Load(x + q), TOps.Load(r + q), a);
            var s = TOps.SumAcross(a);
            for (; q < k; q++)
                s = MathF.FusedMultiplyAdd(x[q], r[q], s);
            acc[j] = s;
        }
    }

    private struct State
    {
        public IsaLevel Isa;
        public float* X;
        public nint XStride;
        public float* Mat;
        public nint Ld;
        public bool Dot;
        public float* Out;
        public nint OutStride;
        public float* Bias;
        public nint BiasStride;
        public float Alpha;
        public float Beta;
        public int K;
        public int Count;
        public int Parts;
        public int Blocks;
        public ActivationKind Activation;
    }
}
