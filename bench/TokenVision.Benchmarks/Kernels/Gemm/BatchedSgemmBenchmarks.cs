using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Gemm;
using TokenVision.Tensors.Threading;

namespace TokenVision.Benchmarks.Kernels.Gemm;

/// <summary>
/// Attention-sized batched SGEMM for ViT-S/16 at batch 8 (48 = 8 images x 6 heads, 197 tokens, head dim 64):
/// scores Q Kᵀ = 48 x (197x64x197) and weights x values = 48 x (197x197x64).
/// </summary>
[MemoryDiagnoser]
public unsafe class BatchedSgemmBenchmarks
{
    private const int Batch = 48;
    private const int Tokens = 197;
    private const int HeadDim = 64;
    private float* _q;
    private float* _k;
    private float* _scores;
    private float* _v;
    private float* _out;

    /// <summary>Threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <summary>Allocates and fills the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _q = SgemmBenchmarks.Alloc(Batch * Tokens * HeadDim);
        _k = SgemmBenchmarks.Alloc(Batch * Tokens * HeadDim);
        _v = SgemmBenchmarks.Alloc(Batch * Tokens * HeadDim);
        _scores = SgemmBenchmarks.Alloc(Batch * Tokens * Tokens);
        _out = SgemmBenchmarks.Alloc(Batch * Tokens * HeadDim);
        WorkerPool.Threads = Threads;
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_q);
        NativeMemory.AlignedFree(_k);
        NativeMemory.AlignedFree(_v);
        NativeMemory.AlignedFree(_scores);
        NativeMemory.AlignedFree(_out);
    }

    /// <summary>scores[b] = 0.125 Q[b] K[b]ᵀ: 48 x (197x64x197).</summary>
    [Benchmark]
    public void Scores() => Sgemm.MultiplyBatched(Isa.Current, false, true, Batch, Tokens, Tokens, HeadDim, 0.125f,
        _q, HeadDim, Tokens * HeadDim, _k, HeadDim, Tokens * HeadDim, 0f, _scores, Tokens, Tokens * Tokens);

    /// <summary>out[b] = P[b] V[b]: 48 x (197x197x64).</summary>
    [Benchmark]
    public void WeightsTimesValues() => Sgemm.MultiplyBatched(Isa.Current, false, false, Batch, Tokens, HeadDim, Tokens, 1f,
        _scores, Tokens, Tokens * Tokens, _v, HeadDim, Tokens * HeadDim, 0f, _out, HeadDim, Tokens * HeadDim);
}
