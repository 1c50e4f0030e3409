using TokenVision.Tensors.Kernels.Optim;

namespace TokenVision.Tensors;

/// <summary>
/// Single-pass optimizer updates on contiguous float32 tensors, as torch's fused optimizers. They write the
/// parameter and its state in place and record no gradient.
/// </summary>
public static unsafe class FusedOptim
{
    /// <summary>One AdamW step (decoupled weight decay, bias-corrected moments) at step number <paramref name="step"/> (1-based).</summary>
    public static void AdamWStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, float lr, float beta1, float beta2, float eps,
        float weightDecay, int step)
    {
        Check(param, grad, expAvg, expAvgSq);
        AdamWKernel(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, step);
    }

    private static void AdamWKernel(Tensor p, Tensor g, Tensor m, Tensor v, float lr, float b1, float b2, float eps, float wd, int step)
    {
        using var gc = g.Contiguous();
        OptimizerKernels.AdamW(p.FloatPtr, gc.FloatPtr, m.FloatPtr, v.FloatPtr, p.NumElements, lr, b1, b2, eps, wd, step);
        p.BumpVersion();
        m.BumpVersion();
        v.BumpVersion();
    }

    /// <summary>One SGD step; <paramref name="momentumBuffer"/> may be null when momentum is 0.</summary>
    public static void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, float lr, float momentum, float dampening, float weightDecay,
        bool nesterov, bool firstStep)
    {
        Check(param, grad, momentumBuffer ?? param, momentumBuffer ?? param);
        using var gc = grad.Contiguous();
        OptimizerKernels.Sgd(param.FloatPtr, gc.FloatPtr, momentumBuffer is null ? null : momentumBuffer.FloatPtr, param.NumElements, lr, momentum,
            dampening, weightDecay, nesterov, firstStep);
        param.BumpVersion();
        momentumBuffer?.BumpVersion();
    }

    /// <summary>Sum of squared elements in double precision, independent of the thread count.</summary>
    public static double SumOfSquares(Tensor t)
    {
        using var c = t.Contiguous();
        return OptimizerKernels.SumOfSquares(c.FloatPtr, c.NumElements);
    }

    private static void Check(Tensor p, Tensor g, Tensor a, Tensor b)
    {
        foreach (var t in (ReadOnlySpan<Tensor>)[p, a, b])
        {
            t.RequireFloat("optimizer step");
            if (!t.IsContiguous)
                throw new ArgumentException($"optimizer step: parameter and state must be contiguous, got shape {t.Shape} with strides [{string.Join(", ", t.Strides.ToArray())}]");
            if (t.IsReadOnly)
                throw new InvalidOperationException($"optimizer step: tensor of shape {t.Shape} is read-only (memory-mapped weights); load with a copy to train");
        }
        if (g.Shape != p.Shape || a.Shape != p.Shape || b.Shape != p.Shape)
            throw new ArgumentException($"optimizer step: gradient {g.Shape} and state {a.Shape}, {b.Shape} must match the parameter {p.Shape}");
    }
}
