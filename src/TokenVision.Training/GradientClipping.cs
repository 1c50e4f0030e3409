using TokenVision.Tensors;

namespace TokenVision.Training;

/// <summary>Gradient norm clipping, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients so their joint L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        var total = Math.Sqrt(grads.Sum(FusedOptim.SumOfSquares));
        var coef = maxNorm / (total + 1e-6);
        if (coef < 1)
        {
            using var noGrad = Grad.Disabled();
            foreach (var g in grads)
                g.Mul_((float)coef);
        }
        return total;
    }
}
