using System.CommandLine;
using System.Globalization;
using TokenVision.Tensors;
using TokenVision.Tensors.Threading;

namespace TokenVision.Cli.Commands;

/// <summary><c>tokenvision bench gemm|attention|ops</c>: kernel throughput on the ViT-S/16 batch-8 shapes.</summary>
internal static class BenchCommand
{
    /// <summary>ViT-S/16 at batch 8: M = 8 x 197 tokens; qkv, proj, fc1, fc2 (M x K x N).</summary>
    public static readonly (int M, int K, int N)[] DefaultGemmShapes = [(1576, 384, 1152), (1576, 384, 384), (1576, 384, 1536), (1576, 1536, 384)];

    public static Command Create()
    {
        var bench = new Command("bench", "measure kernel and model throughput");
        var threads = new Option<int?>("--threads") { Description = "worker threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object per line" };

        var gemm = new Command("gemm", "SGEMM GFLOP/s (default: the ViT-S/16 batch-8 linear layers)");
        var shapes = new Option<string[]>("--shape") { Description = "MxKxN (repeatable)", AllowMultipleArgumentsPerToken = false };
        gemm.Options.Add(shapes);
        gemm.Options.Add(threads);
        gemm.Options.Add(json);
        gemm.SetAction(r => CliError.Run(() => Gemm(ParseShapes(r.GetValue(shapes)), r.GetValue(threads), r.GetValue(json))));

        var attention = new Command("attention", "fused attention GFLOP/s, forward and backward (default: 8 x 6 heads x 197 tokens x 64)");
        attention.Options.Add(threads);
        attention.Options.Add(json);
        attention.SetAction(r => CliError.Run(() => Attention(r.GetValue(threads), r.GetValue(json))));

        var ops = new Command("ops", "memory-bound ops on 1576x1536 in GB/s, with memcpy measured in the same run");
        ops.Options.Add(threads);
        ops.Options.Add(json);
        ops.SetAction(r => CliError.Run(() => Ops(r.GetValue(threads), r.GetValue(json))));

        bench.Subcommands.Add(gemm);
        bench.Subcommands.Add(attention);
        bench.Subcommands.Add(ops);
        bench.Subcommands.Add(ModelCommands.BenchModel());
        return bench;
    }

    private static (int M, int K, int N)[] ParseShapes(string[]? specs)
    {
        if (specs is null || specs.Length == 0)
            return DefaultGemmShapes;
        return [.. specs.Select(s =>
        {
            var parts = s.ToLowerInvariant().Split('x');
            if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0))
                throw new ArgumentException($"--shape '{s}': expected MxKxN with positive integers, e.g. 1576x384x1152");
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
        })];
    }

    private static void SetThreads(int? threads)
    {
        if (threads is { } t)
        {
            if (t < 1 || t > WorkerPool.MaxThreads)
                throw new ArgumentException($"--threads {t}: must be between 1 and {WorkerPool.MaxThreads}");
            WorkerPool.Threads = t;
        }
    }

    public static int Gemm((int M, int K, int N)[] shapes, int? threads, bool json)
    {
        SetThreads(threads);
        MachineLoad.WaitForQuiet();
        var w = new ResultWriter(json);
        var g = new Generator(1);
        foreach (var (m, k, n) in shapes)
        {
            using var a = Tensor.Randn([m, k], g);
            using var b = Tensor.Randn([k, n], g);
            var t = Measure.MedianSeconds(() => a.MatMul(b).Dispose());
            w.Write($"sgemm {m}x{k}x{n}", 2.0 * m * k * n / t / 1e9, "GFLOP/s", ("threads", WorkerPool.Threads), ("ms", t * 1e3));
        }
        return 0;
    }

    public static int Attention(int? threads, bool json)
    {
        SetThreads(threads);
        MachineLoad.WaitForQuiet();
        var w = new ResultWriter(json);
        const int B = 8, H = 6, N = 197, D = 64;
        var g = new Generator(2);
        var q = Tensor.Randn([B, H, N, D], g);
        var k = Tensor.Randn([B, H, N, D], g);
        var v = Tensor.Randn([B, H, N, D], g);
        var flops = 4.0 * N * N * D * B * H;
        // The SGEMM of the ViT-S/16 qkv projection is timed in alternation with each attention pass (the host's speed
        // drifts between seconds), and the fraction is the median of the per-round ratios.
        var (m, kk, n) = DefaultGemmShapes[0];
        var g0 = new Generator(4);
        using var a = Tensor.Randn([m, kk], g0);
        using var bm = Tensor.Randn([kk, n], g0);
        var gemmFlops = 2.0 * m * kk * n;
        void Gemm() => a.MatMul(bm).Dispose();
        var (fwd, gemmF, fwdRatio) = Measure.Paired(() => Functional.ScaledDotProductAttention(q, k, v).Dispose(), Gemm);
        w.Write($"attention forward {B * H}x{N}x{D}", flops / fwd / 1e9, "GFLOP/s", ("threads", WorkerPool.Threads), ("ms", fwd * 1e3),
            ("sgemm_gflops", Math.Round(gemmFlops / gemmF / 1e9, 1)), ("fraction_of_sgemm", Math.Round(flops / gemmFlops * fwdRatio, 3)));
        foreach (var t in new[] { q, k, v })
        {
            TensorScope.Detach(t);
            t.RequiresGrad = true;
        }
        using var y = Functional.ScaledDotProductAttention(q, k, v);
        using var dy = Tensor.Randn([B, H, N, D], g);
        var (bwd, gemmB, bwdRatio) = Measure.Paired(() => y.Backward(dy, retainGraph: true), Gemm);
        // Backward: Q·Kᵀ recomputed, dV, dP, dQ, dK: five N²·d products (2.5x the forward flops).
        w.Write($"attention backward {B * H}x{N}x{D}", 2.5 * flops / bwd / 1e9, "GFLOP/s", ("threads", WorkerPool.Threads), ("ms", bwd * 1e3),
            ("sgemm_gflops", Math.Round(gemmFlops / gemmB / 1e9, 1)), ("fraction_of_sgemm", Math.Round(2.5 * flops / gemmFlops * bwdRatio, 3)));
        return 0;
    }

    public static int Ops(int? threads, bool json)
    {
        SetThreads(threads);
        MachineLoad.WaitForQuiet();
        var w = new ResultWriter(json);
        const int M = 1576, N = 1536;
        var bytes = (double)M * N * sizeof(float);
        var g = new Generator(3);
        using var x = Tensor.Randn([M, N], g);
        using var y = Tensor.Randn([M, N], g);
        using var gamma = Tensor.Ones(N);
        using var beta = Tensor.Zeros(N);
        var src = new float[M * N];
        var dst = new float[M * N];
        void Copy() => src.AsSpan().CopyTo(dst);
        var copy = Measure.MedianSeconds(Copy);
        var memcpy = 2 * bytes / copy / 1e9;
        w.Write("memcpy 1576x1536", memcpy, "GB/s");
        // Each op is timed in alternation with the memcpy (the host's speed drifts between seconds); the fraction is
        // the median of the per-round ratios.
        void Op(string name, double traffic, Action body)
        {
            var (t, _, speed) = Measure.Paired(body, Copy);
            var gbs = traffic * bytes / t / 1e9;
            w.Write(name, gbs, "GB/s", ("fraction_of_memcpy", Math.Round(traffic / 2 * speed, 3)), ("ms", t * 1e3));
        }
        Op("layer_norm 1576x1536", 2, () => Functional.LayerNorm(x, [N], gamma, beta).Dispose());
        Op("softmax 1576x1536", 2, () => Functional.Softmax(x, -1).Dispose());
        Op("gelu 1576x1536", 2, () => x.Gelu().Dispose());
        Op("add 1576x1536", 3, () => (x + y).Dispose());
        return 0;
    }
}
