namespace TokenVision.Tensors;

/// <summary>
/// Neural-network functions on tensors, after <c>torch.nn.functional</c>: normalisation, activations over a
/// dimension, dropout, convolution, pooling, interpolation, attention and losses.
/// </summary>
public static partial class Functional
{
    /// <summary>softmax(x) = exp(x - max) / sum(exp(x - max)) along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor x, int dim = -1)
    {
        using var detached = x.Detach();
        using var max = detached.Amax([dim], keepDim: true);
        using var shifted = x - max;
        using var e = shifted.Exp();
        using var sum = e.Sum(dim, keepDim: true);
        return e / sum;
    }

    /// <summary>log_softmax(x) = x - logsumexp(x) along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor x, int dim = -1)
    {
        using var lse = x.LogSumExp([dim], keepDim: true);
        return x - lse;
    }

    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> and scales the rest by
    /// 1/(1-p); identity otherwise (or when p is 0).
    /// </summary>
    public static Tensor Dropout(Tensor x, float p, bool training, Generator generator)
    {
        if (p is < 0 or > 1 || float.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        if (!training || p == 0)
            return x.Identity();
        if (p == 1)
            return x * 0f;
        using var mask = Tensor.Bernoulli(x.ShapeArray, 1 - p, generator);
        using var scaled = mask.Mul(1f / (1 - p));
        return x * scaled;
    }
}
