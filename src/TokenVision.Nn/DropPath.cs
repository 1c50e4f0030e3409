using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// Stochastic depth (Huang et al., 2016): in training, drops the whole residual branch of a sample with
/// probability <c>p</c> and scales kept samples by 1/(1-p). Identity in evaluation.
/// </summary>
public sealed class DropPath : Module<Tensor, Tensor>, IStochastic
{
    /// <summary>Creates the layer.</summary>
    public DropPath(float p = 0f, bool scaleByKeep = true)
    {
        if (p is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(p), p, "drop-path probability must be in [0, 1]");
        P = p;
        ScaleByKeep = scaleByKeep;
    }

    /// <summary>Drop probability.</summary>
    public float P { get; }

    /// <summary>Whether kept samples are scaled by 1/(1-p).</summary>
    public bool ScaleByKeep { get; }

    /// <inheritdoc/>
    public Generator Generator { get; set; } = new(0);

    /// <summary>[B, ...] → same shape.</summary>
    public override Tensor Forward(Tensor x)
    {
        if (!Training || P == 0)
            return x.Identity();
        var keep = 1 - P;
        var shape = new int[x.Rank];
        Array.Fill(shape, 1);
        shape[0] = x.Shape[0];
        using var mask = Tensor.Bernoulli(shape, keep, Generator);
        using var scaled = ScaleByKeep && keep > 0 ? mask.Mul(1f / keep) : mask.Identity();
        return x * scaled;
    }
}
