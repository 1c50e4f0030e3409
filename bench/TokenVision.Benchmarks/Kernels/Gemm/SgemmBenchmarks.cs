using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Gemm;
using TokenVision.Tensors.Threading;

namespace TokenVision.Benchmarks.Kernels.Gemm;

/// <summary>
/// SGEMM on the ViT-S/16 batch-8 linear layers (M = 8 x 197 tokens): qkv, proj, fc1, fc2 as M x K x N.
/// GFLOP/s = 2 M K N / time. Compare with <c>reference.py --gemm M,K,N --threads T</c> run alternately.
/// </summary>
/// <remarks>
/// Measured on a shared 2-core Ice Lake (load average 12-18 from other builds), C = A B (NN), medians:
/// alternating with reference.py (OpenBLAS, SkylakeX kernels), 7 rounds each, wall time, ours / OpenBLAS:
/// 1 thread: qkv 1.20, proj 1.06, fc1 1.17, fc2 1.09; 2 threads: qkv 1.25, proj 1.01, fc1 1.06, fc2 1.24.
/// In one process alternating with cblas_sgemm, 30 rounds (1 thread: thread CPU time; 2 threads: wall time):
/// 1 thread 137-143 vs 104-121 GFLOP/s (1.18-1.25); 2 threads 1.12-1.43.
/// </remarks>
[MemoryDiagnoser]
public unsafe class SgemmBenchmarks
{
    private float* _a;
    private float* _b;
    private float* _c;
    private float* _bias;
    private int _m;
    private int _k;
    private int _n;

    /// <summary>M x K x N.</summary>
    [Params("1576x384x1152", "1576x384x384", "1576x384x1536", "1576x1536x384")]
    public string Shape { get; set; } = "1576x384x1152";

    /// <summary>Threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <summary>Allocates and fills the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var dims = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _k, _n) = (dims[0], dims[1], dims[2]);
        _a = Alloc((long)_m * _k);
        _b = Alloc((long)_k * _n);
        _c = Alloc((long)_m * _n);
        _bias = Alloc(_n);
        WorkerPool.Threads = Threads;
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
        NativeMemory.AlignedFree(_bias);
    }

    /// <summary>C = A B with B stored K x N (the layout reference.py times).</summary>
    [Benchmark(Baseline = true)]
    public void MatMul() => Sgemm.Multiply(Isa.Current, false, false, _m, _n, _k, 1f, _a, _k, _b, _n, 0f, _c, _n);

    /// <summary>linear: Y = X Wᵀ + b with W stored N x K.</summary>
    [Benchmark]
    public void Linear() => Sgemm.Multiply(Isa.Current, false, true, _m, _n, _k, 1f, _a, _k, _b, _k, 0f, _c, _n, new GemmEpilogue(_bias));

    /// <summary>linear + exact GELU in the epilogue (fc1).</summary>
    [Benchmark]
    public void LinearGelu() => Sgemm.Multiply(Isa.Current, false, true, _m, _n, _k, 1f, _a, _k, _b, _k, 0f, _c, _n,
        new GemmEpilogue(_bias, TokenVision.Tensors.Kernels.Fused.ActivationKind.GeluErf));

    internal static float* Alloc(long count)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var rng = new Random(42);
        for (long i = 0; i < count; i++)
            p[i] = (float)(rng.NextDouble() - 0.5);
        return p;
    }
}
