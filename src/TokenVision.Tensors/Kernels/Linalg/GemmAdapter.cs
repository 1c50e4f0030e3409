using System.Numerics.Tensors;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Linalg;

/// <summary>
/// The engine's entry point to matrix multiplication: row-major <c>C = alpha op(A) op(B) + beta C</c>, single
/// and strided-batched. Tensor operations call only this class.
/// </summary>
internal static unsafe class GemmAdapter
{
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m == 0 || n == 0)
            return;
        // op(B) as row-major [k, n]
        var bt = transB ? new float[(long)k * n] : null;
        if (bt is not null)
            for (var p = 0; p < k; p++)
                for (var j = 0; j < n; j++)
                    bt[(long)p * n + j] = b[(long)j * ldb + p];
        var (pa, pb, pc) = ((nint)a, (nint)b, (nint)c);
        WorkerPool.For(m, Math.Max(1, 32768 / Math.Max(1, n * Math.Max(k, 1) / 64)), (i0, i1) =>
        {
            var row = new float[n];
            for (var i = i0; i < i1; i++)
            {
                Array.Clear(row);
                for (var p = 0; p < k; p++)
                {
                    var av = transA ? ((float*)pa)[(long)p * lda + i] : ((float*)pa)[(long)i * lda + p];
                    if (av == 0)
                        continue;
                    var brow = bt is not null ? new ReadOnlySpan<float>(bt, p * n, n) : new ReadOnlySpan<float>((float*)pb + (long)p * ldb, n);
                    TensorPrimitives.MultiplyAdd(brow, av, row, row);
                }
                var crow = new Span<float>((float*)pc + (long)i * ldc, n);
                if (beta == 0)
                {
                    TensorPrimitives.Multiply(row, alpha, crow);
                }
                else
                {
                    TensorPrimitives.Multiply(crow, beta, crow);
                    TensorPrimitives.MultiplyAdd(row, alpha, crow, crow);
                }
            }
        });
    }

    public static void GemmBatched(int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float beta, float* c, int ldc, long strideC)
    {
        for (var i = 0; i < batch; i++)
            Gemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
    }
}
