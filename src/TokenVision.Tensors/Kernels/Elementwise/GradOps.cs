using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Elementwise;

/// <summary>The derivative of a unary function: dx from the input x, the output y and the incoming gradient g.</summary>
internal interface IGradOp
{
    static abstract float Grad(float x, float y, float g);
}

/// <summary>Runs an <see cref="IGradOp"/> over contiguous arrays, split across the worker pool.</summary>
internal static unsafe class GradKernel
{
    public static void Run<TOp>(float* x, float* y, float* g, float* dx, int n) where TOp : struct, IGradOp
    {
        var (px, py, pg, pd) = ((nint)x, (nint)y, (nint)g, (nint)dx);
        WorkerPool.For(n, ElementwiseKernel.ParallelThreshold, (s, e) =>
        {
            var xs = (float*)px;
            var ys = (float*)py;
            var gs = (float*)pg;
            var ds = (float*)pd;
            for (var i = s; i < e; i++)
                ds[i] = TOp.Grad(xs == null ? 0 : xs[i], ys == null ? 0 : ys[i], gs[i]);
        });
    }
}

/// <summary>d/dx tanh = 1 - y^2.</summary>
internal readonly struct TanhGrad : IGradOp
{
    public static float Grad(float x, float y, float g) => g * (1f - y * y);
}

/// <summary>d/dx sigmoid = y (1 - y).</summary>
internal readonly struct SigmoidGrad : IGradOp
{
    public static float Grad(float x, float y, float g) => g * y * (1f - y);
}

/// <summary>d/dx silu = s (1 + x (1 - s)), s = sigmoid(x).</summary>
internal readonly struct SiluGrad : IGradOp
{
    public static float Grad(float x, float y, float g)
    {
        var s = 1f / (1f + MathF.Exp(-x));
        return g * s * (1f + x * (1f - s));
    }
}

/// <summary>d/dx softplus = sigmoid(x) (1 above the threshold 20).</summary>
internal readonly struct SoftplusGrad : IGradOp
{
    public static float Grad(float x, float y, float g) => x > 20f ? g : g / (1f + MathF.Exp(-x));
}

/// <summary>d/dx erf = 2/sqrt(pi) e^(-x^2).</summary>
internal readonly struct ErfGrad : IGradOp
{
    public static float Grad(float x, float y, float g) => g * 1.1283791670955126f * MathF.Exp(-x * x);
}

/// <summary>d/dx |x| = sign(x) (0 at 0).</summary>
internal readonly struct AbsGrad : IGradOp
{
    public static float Grad(float x, float y, float g) => x > 0 ? g : x < 0 ? -g : 0f;
}
