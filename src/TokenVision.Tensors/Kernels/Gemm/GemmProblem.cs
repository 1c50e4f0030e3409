using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>One row-major SGEMM, <c>C = act(alpha * op(A) op(B) + beta * C + bias)</c>, as the drivers see it.</summary>
internal readonly unsafe struct GemmProblem
{
    /// <summary>Creates the problem description (no validation: <see cref="Sgemm"/> validates).</summary>
    public GemmProblem(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc, GemmEpilogue epilogue)
    {
        TransA = transA;
        TransB = transB;
        M = m;
        N = n;
        K = k;
        Alpha = alpha;
        A = a;
        Lda = lda;
        B = b;
        Ldb = ldb;
        Beta = beta;
        C = c;
        Ldc = ldc;
        Bias = epilogue.Bias;
        Activation = epilogue.Activation;
    }

    /// <summary>A is stored K x M (op(A) = Aᵀ).</summary>
    public bool TransA { get; }

    /// <summary>B is stored N x K (op(B) = Bᵀ).</summary>
    public bool TransB { get; }

    /// <summary>Rows of C.</summary>
    public int M { get; }

    /// <summary>Columns of C.</summary>
    public int N { get; }

    /// <summary>Depth of the product.</summary>
    public int K { get; }

    /// <summary>Scale of the product.</summary>
    public float Alpha { get; }

    /// <summary>First element of A.</summary>
    public float* A { get; }

    /// <summary>Row stride of A as stored.</summary>
    public int Lda { get; }

    /// <summary>First element of B.</summary>
    public float* B { get; }

    /// <summary>Row stride of B as stored.</summary>
    public int Ldb { get; }

    /// <summary>Scale of the existing C (0: C is write-only).</summary>
    public float Beta { get; }

    /// <summary>First element of C.</summary>
    public float* C { get; }

    /// <summary>Row stride of C.</summary>
    public int Ldc { get; }

    /// <summary>Per-column bias of length N, or null.</summary>
    public float* Bias { get; }

    /// <summary>Activation applied last.</summary>
    public ActivationKind Activation { get; }

    /// <summary>Element (i, p) of op(A).</summary>
    public float ElementA(int i, int p) => TransA ? A[(nint)p * Lda + i] : A[(nint)i * Lda + p];

    /// <summary>Element (p, j) of op(B).</summary>
    public float ElementB(int p, int j) => TransB ? B[(nint)j * Ldb + p] : B[(nint)p * Ldb + j];
}
