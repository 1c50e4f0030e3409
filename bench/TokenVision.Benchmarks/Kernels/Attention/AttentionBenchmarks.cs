using BenchmarkDotNet.Attributes;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;
using TokenVision.Tensors.Threading;

namespace TokenVision.Benchmarks.Kernels.Attention;

/// <summary>
/// Fused attention forward and backward on real shapes at 1 and 2 threads. The GFLOP/s column counts 4·Nq·Nk·d per
/// head for the forward (Q·Kᵀ and P·V) and 10·Nq·Nk·d for the backward (FlashAttention-2's 2.5× the forward: the
/// recomputed S, dV, dP, dQ, dK — exactly the products the kernel executes; softmax, exp and packing are not counted).
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project bench/TokenVision.Benchmarks -- --filter '*AttentionBenchmarks*'</c>; compare with
/// OpenBLAS measured in the same session: <c>/usr/bin/python3 ../shared/bench/reference.py --gemm 1576,384,1152 --threads 2</c>.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(AttentionBenchmarkConfig))]
public unsafe class AttentionBenchmarks
{
    private readonly List<float[]> _buffers = [];
    private AttentionProblem _problem;
    private AttentionOperand _output, _outputGrad, _queryGrad, _keyGrad, _valueGrad;
    private float* _logSumExp;
    private int _savedThreads;

    /// <summary>The problem.</summary>
    [Params(AttentionShape.VitS16Batch8, AttentionShape.Mvit3136x196, AttentionShape.Mvit3136x3136)]
    public AttentionShape Shape { get; set; }

    /// <summary>Worker threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Sizes (B, H, Nq, Nk, d) of a shape.</summary>
    public static (int B, int H, int Nq, int Nk, int D) Sizes(AttentionShape shape) => shape switch
    {
        AttentionShape.VitS16Batch8 => (8, 6, 197, 197, 64),
        AttentionShape.Mvit3136x196 => (1, 1, 3136, 196, 96),
        _ => (1, 1, 3136, 3136, 96),
    };

    /// <summary>Allocates random inputs and runs one forward so the backward has O and L.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _savedThreads = WorkerPool.Threads;
        WorkerPool.Threads = Threads;
        var (b, h, nq, nk, d) = Sizes(Shape);
        var rng = new Random(1);
        _problem = new AttentionProblem
        {
            Batch = b,
            Heads = h,
            QueryLength = nq,
            KeyLength = nk,
            HeadDim = d,
            ValueDim = d,
            Query = AttentionOperand.Dense(Buffer((long)b * h * nq * d, rng), h, nq, d),
            Key = AttentionOperand.Dense(Buffer((long)b * h * nk * d, rng), h, nk, d),
            Value = AttentionOperand.Dense(Buffer((long)b * h * nk * d, rng), h, nk, d),
        };
        _output = AttentionOperand.Dense(Buffer((long)b * h * nq * d, null), h, nq, d);
        _outputGrad = AttentionOperand.Dense(Buffer((long)b * h * nq * d, rng), h, nq, d);
        _queryGrad = AttentionOperand.Dense(Buffer((long)b * h * nq * d, null), h, nq, d);
        _keyGrad = AttentionOperand.Dense(Buffer((long)b * h * nk * d, null), h, nk, d);
        _valueGrad = AttentionOperand.Dense(Buffer((long)b * h * nk * d, null), h, nk, d);
        _logSumExp = Buffer((long)b * h * nq, null);
        Forward();
    }

    /// <summary>Restores the thread count.</summary>
    [GlobalCleanup]
    public void Cleanup() => WorkerPool.Threads = _savedThreads;

    /// <summary>O and L from Q, K, V.</summary>
    [Benchmark]
    public void Forward() => FusedAttention.Forward(_problem, _output, _logSumExp, Isa.Current);

    /// <summary>dQ, dK, dV from Q, K, V, O, dO, L.</summary>
    [Benchmark]
    public void Backward() =>
        FusedAttention.Backward(_problem, _output, _outputGrad, _logSumExp, _queryGrad, _keyGrad, _valueGrad, default, Isa.Current);

    private float* Buffer(long count, Random? rng)
    {
        var a = GC.AllocateArray<float>(checked((int)count), pinned: true);
        _buffers.Add(a);
        if (rng is not null)
        {
            for (var i = 0; i < a.Length; i++)
                a[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        fixed (float* p = a)
            return p;
    }
}
