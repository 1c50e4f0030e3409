using System.Diagnostics;
using TokenVision.Nn;
using TokenVision.Tensors;
using TokenVision.Training;
using Xunit;

namespace TokenVision.Training.Tests;

[CollectionDefinition("memory", DisableParallelization = true)]
public sealed class MemoryCollection
{
}

/// <summary>Training steps reuse pooled storage: the working set stops growing and no step allocates large arrays.</summary>
[Collection("memory")]
public class MemoryTests
{
    private sealed class TinyTransformer : Module<Tensor, Tensor>
    {
        private readonly ModuleList<Module<Tensor, Tensor>> _blocks;

        public TinyTransformer(Generator g, int dim, int depth, int classes)
        {
            Embed = Register("embed", new Linear(16, dim, g));
            _blocks = Register("blocks", new ModuleList<Module<Tensor, Tensor>>());
            for (var i = 0; i < depth; i++)
            {
                _blocks.Add(new Sequential(new LayerNorm(dim)));
                _blocks.Add(new Residual(new Attention(dim, 4, g, qkvBias: true)));
                _blocks.Add(new Residual(new Mlp(dim, g, dim * 4)));
            }
            Norm = Register("norm", new LayerNorm(dim));
            Head = Register("head", new Linear(dim, classes, g));
        }

        public Linear Embed { get; }
        public LayerNorm Norm { get; }
        public Linear Head { get; }

        public override Tensor Forward(Tensor x)
        {
            var h = Embed.Forward(x);
            foreach (var b in _blocks)
            {
                var next = b.Forward(h);
                h.Dispose();
                h = next;
            }
            using (h)
            {
                using var n = Norm.Forward(h);
                using var pooled = n.Mean(1);
                return Head.Forward(pooled);
            }
        }
    }

    private sealed class Residual(Module<Tensor, Tensor> inner) : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> _inner = inner;

        public override Tensor Forward(Tensor x)
        {
            using var y = _inner.Forward(x);
            return x + y;
        }
    }

    [Fact]
    public void FiftyTrainingSteps_DoNotGrowMemory()
    {
        var g = new Generator(3);
        var model = new TinyTransformer(g, 64, 2, 10);
        var opt = new AdamW(model.Parameters(), lr: 1e-3f);
        using var x = Tensor.Randn([8, 32, 16], g);
        using var y = Tensor.Randint(0, 10, [8], g);
        var process = Process.GetCurrentProcess();
        long peakAfterWarmup = 0;
        var allocated = new List<long>();
        for (var step = 0; step < 50; step++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            using (var scope = TensorScope.Begin())
            {
                opt.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(x), y);
                loss.Backward();
                opt.Step();
                Assert.True(float.IsFinite(loss.Item()));
            }
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            process.Refresh();
            Console.WriteLine($"step {step}: misses {TokenVision.Tensors.Memory.StoragePool.Misses} alloc {allocated[^1] >> 10} KB ws {process.WorkingSet64 >> 20} MB peak {process.PeakWorkingSet64 >> 20}");
            if (step == 5)
            {
                process.Refresh();
                peakAfterWarmup = process.PeakWorkingSet64;
            }
        }
        process.Refresh();
        var growth = process.PeakWorkingSet64 - peakAfterWarmup;
        Assert.True(growth < 16 << 20, $"peak working set grew by {growth >> 20} MB after warm-up");
        // Activations here are up to 8x32x256 floats (256 KB): any pooled-storage miss would allocate at least that.
        var worst = allocated.Skip(5).Max();
        Assert.True(worst < 256 << 10, $"a training step allocated {worst >> 10} KB of managed memory after warm-up");
    }
}
