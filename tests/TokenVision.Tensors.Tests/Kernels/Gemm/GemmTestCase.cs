using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Fused;
using TokenVision.Tensors.Kernels.Gemm;

namespace TokenVision.Tensors.Tests.Kernels.Gemm;

/// <summary>Operands for one SGEMM with padded leading dimensions, random contents from a fixed seed.</summary>
internal sealed unsafe class GemmTestCase
{
    public GemmTestCase(int seed, bool transA, bool transB, int m, int n, int k, int pad = 0, bool bias = false)
    {
        var rng = new Random(seed);
        TransA = transA;
        TransB = transB;
        M = m;
        N = n;
        K = k;
        Lda = Math.Max(1, (transA ? m : k) + pad);
        Ldb = Math.Max(1, (transB ? k : n) + pad);
        Ldc = Math.Max(1, n + pad);
        A = Fill(rng, (transA ? k : m) * Lda + pad);
        B = Fill(rng, (transB ? n : k) * Ldb + pad);
        C = Fill(rng, m * Ldc + pad);
        Bias = bias ? Fill(rng, n) : null;
    }

    public bool TransA { get; }
    public bool TransB { get; }
    public int M { get; }
    public int N { get; }
    public int K { get; }
    public int Lda { get; }
    public int Ldb { get; }
    public int Ldc { get; }
    public float[] A { get; }
    public float[] B { get; }
    public float[] C { get; }
    public float[]? Bias { get; }

    public float ElementA(int i, int p) => TransA ? A[p * Lda + i] : A[i * Lda + p];
    public float ElementB(int p, int j) => TransB ? B[j * Ldb + p] : B[p * Ldb + j];

    /// <summary>Runs the GEMM on a copy of C and returns it.</summary>
    public float[] Run(IsaLevel isa, float alpha, float beta, ActivationKind activation = ActivationKind.None, int threads = 0)
    {
        var c = (float[])C.Clone();
        fixed (float* a = A, b = B, pc = c, bias = Bias)
        {
            Sgemm.Multiply(isa, TransA, TransB, M, N, K, alpha, a, Lda, b, Ldb, beta, pc, Ldc,
                new GemmEpilogue(bias, activation), threads);
        }
        return c;
    }

    /// <summary>Bound on the rounding error of element (i, j): a few ulps of the sum of absolute terms.</summary>
    public float Tolerance(int i, int j, float alpha, float beta)
    {
        double s = 0;
        for (var p = 0; p < K; p++)
            s += Math.Abs(ElementA(i, p) * ElementB(p, j));
        s = s * Math.Abs(alpha) + Math.Abs(beta * C[i * Ldc + j]) + (Bias is null ? 0 : Math.Abs(Bias[j]));
        return (float)(2e-6 * s * Math.Sqrt(K + 1) + 1e-6);
    }

    private static float[] Fill(Random rng, int length)
    {
        var data = new float[length];
        for (var i = 0; i < length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
