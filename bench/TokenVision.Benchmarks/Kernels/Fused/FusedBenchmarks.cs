using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Fused;
using TokenVision.Tensors.Threading;

namespace TokenVision.Benchmarks.Kernels.Fused;

/// <summary>
/// Fused row kernels on a ViT-S/16 batch-8 MLP activation, [1576, 1536] floats (9.7 MB in, 9.7 MB out), against
/// <see cref="Buffer.MemoryCopy"/> of the same bytes (the machine's copy bandwidth in the same run) and against
/// GELU composed of <see cref="TensorPrimitives"/> calls.
/// </summary>
[MemoryDiagnoser]
public unsafe class FusedBenchmarks
{
    private const int Rows = 1576;
    private const int Cols = 1536;
    private const long Count = (long)Rows * Cols;
    private float* _x;
    private float* _y;
    private float* _dy;
    private float* _tmp;
    private float* _gamma;
    private float* _beta;
    private float* _mean;
    private float* _rstd;
    private float* _dgamma;
    private float* _dbeta;

    /// <summary>Threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <summary>Allocates and fills the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _x = Gemm.SgemmBenchmarks.Alloc(Count);
        _y = Gemm.SgemmBenchmarks.Alloc(Count);
        _dy = Gemm.SgemmBenchmarks.Alloc(Count);
        _tmp = Gemm.SgemmBenchmarks.Alloc(Count);
        _gamma = Gemm.SgemmBenchmarks.Alloc(Cols);
        _beta = Gemm.SgemmBenchmarks.Alloc(Cols);
        _dgamma = Gemm.SgemmBenchmarks.Alloc(Cols);
        _dbeta = Gemm.SgemmBenchmarks.Alloc(Cols);
        _mean = Gemm.SgemmBenchmarks.Alloc(Rows);
        _rstd = Gemm.SgemmBenchmarks.Alloc(Rows);
        WorkerPool.Threads = Threads;
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var p in new[] { (nint)_x, (nint)_y, (nint)_dy, (nint)_tmp, (nint)_gamma, (nint)_beta, (nint)_dgamma, (nint)_dbeta, (nint)_mean, (nint)_rstd })
            NativeMemory.AlignedFree((void*)p);
    }

    /// <summary>Copy of the same bytes one kernel reads and writes.</summary>
    [Benchmark(Baseline = true)]
    public void MemoryCopy() => Buffer.MemoryCopy(_x, _y, Count * sizeof(float), Count * sizeof(float));

    /// <summary>Exact GELU in one fused pass.</summary>
    [Benchmark]
    public void GeluErf() => Activation.Forward(Isa.Current, ActivationKind.GeluErf, _x, _y, Count);

    /// <summary>Tanh GELU, 0.5 x (1 + tanh(k (x + c x^3))), composed of eight TensorPrimitives passes.</summary>
    [Benchmark]
    public void GeluTanhComposed()
    {
        var x = new ReadOnlySpan<float>(_x, (int)Count);
        var t = new Span<float>(_tmp, (int)Count);
        var y = new Span<float>(_y, (int)Count);
        TensorPrimitives.Multiply(x, x, t);
        TensorPrimitives.Multiply(t, 0.044715f, t);
        TensorPrimitives.Add(t, 1f, t);
        TensorPrimitives.Multiply(t, x, t);
        TensorPrimitives.Multiply(t, 0.7978845608f, t);
        TensorPrimitives.Tanh(t, t);
        TensorPrimitives.MultiplyAdd(t, x, x, y);
        TensorPrimitives.Multiply(y, 0.5f, y);
    }

    /// <summary>Tanh GELU in one fused pass.</summary>
    [Benchmark]
    public void GeluTanh() => Activation.Forward(Isa.Current, ActivationKind.GeluTanh, _x, _y, Count);

    /// <summary>Exact GELU backward (reads x and dy, writes dx).</summary>
    [Benchmark]
    public void GeluErfBackward() => Activation.Backward(Isa.Current, ActivationKind.GeluErf, _x, _dy, _y, Count);

    /// <summary>y = GELU(x + bias) over [1576, 1536].</summary>
    [Benchmark]
    public void BiasGelu() => Activation.BiasForward(Isa.Current, ActivationKind.GeluErf, _x, _gamma, _y, Rows, Cols);

    /// <summary>Layer norm forward with affine parameters and saved statistics.</summary>
    [Benchmark]
    public void LayerNormForward() => LayerNorm.Forward(Isa.Current, _x, _gamma, _beta, _y, _mean, _rstd, Rows, Cols, 1e-6f);

    /// <summary>Layer norm backward with dgamma and dbeta.</summary>
    [Benchmark]
    public void LayerNormBackward() => LayerNorm.Backward(Isa.Current, _x, _gamma, _mean, _rstd, _dy, _y, _dgamma, _dbeta, Rows, Cols, false);

    /// <summary>Softmax over rows of 1536.</summary>
    [Benchmark]
    public void SoftmaxForward() => Softmax.Forward(Isa.Current, _x, _y, Rows, Cols);

    /// <summary>Softmax backward.</summary>
    [Benchmark]
    public void SoftmaxBackward() => Softmax.Backward(Isa.Current, _x, _dy, _y, Rows, Cols);
}
