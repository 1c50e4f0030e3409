using System.Numerics.Tensors;
using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Optim;

/// <summary>Fused per-element optimizer updates (one pass over parameter, gradient and state), split by elements.</summary>
internal static unsafe class OptimizerKernels
{
    private const int Chunk = 1 << 14;

    /// <summary>PyTorch AdamW: p *= 1 - lr·wd; m, v moments; p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps).</summary>
    public static void AdamW(float* p, float* g, float* m, float* v, int n, float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        var bc1 = 1 - Math.Pow(beta1, step);
        var bc2 = 1 - Math.Pow(beta2, step);
        var stepSize = (float)(lr / bc1);
        var bc2Sqrt = (float)Math.Sqrt(bc2);
        var decay = 1 - lr * weightDecay;
        var (pp, pg, pm, pv) = ((nint)p, (nint)g, (nint)m, (nint)v);
        WorkerPool.For(n, Chunk, (s, e) =>
        {
            var ps = (float*)pp;
            var gs = (float*)pg;
            var ms = (float*)pm;
            var vs = (float*)pv;
            for (var i = s; i < e; i++)
            {
                var gi = gs[i];
                var mi = beta1 * ms[i] + (1 - beta1) * gi;
                var vi = beta2 * vs[i] + (1 - beta2) * gi * gi;
                ms[i] = mi;
                vs[i] = vi;
                var denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
                ps[i] = ps[i] * decay - stepSize * mi / denom;
            }
        });
    }

    /// <summary>PyTorch SGD with weight decay, momentum (first step initialises the buffer with the gradient), dampening and Nesterov.</summary>
    public static void Sgd(float* p, float* g, float* buf, int n, float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool firstStep)
    {
        var (pp, pg, pb) = ((nint)p, (nint)g, (nint)buf);
        WorkerPool.For(n, Chunk, (s, e) =>
        {
            var ps = (float*)pp;
            var gs = (float*)pg;
            var bs = (float*)pb;
            for (var i = s; i < e; i++)
            {
                var d = gs[i] + weightDecay * ps[i];
                if (momentum != 0)
                {
                    var b = firstStep ? d : momentum * bs[i] + (1 - dampening) * d;
                    bs[i] = b;
                    d = nesterov ? d + momentum * b : b;
                }
                ps[i] -= lr * d;
            }
        });
    }

    /// <summary>Sum of squares, accumulated in double per fixed chunk (thread-count independent).</summary>
    public static double SumOfSquares(float* x, int n)
    {
        var chunks = (n + Chunk - 1) / Chunk;
        var partial = new double[chunks];
        var px = (nint)x;
        WorkerPool.For(chunks, 1, (c0, c1) =>
        {
            for (var c = c0; c < c1; c++)
            {
                var s = c * Chunk;
                var len = Math.Min(Chunk, n - s);
                var span = new ReadOnlySpan<float>((float*)px + s, len);
                partial[c] = TensorPrimitives.Dot(span, span);
            }
        });
        double total = 0;
        foreach (var v in partial)
            total += v;
        return total;
    }
}
