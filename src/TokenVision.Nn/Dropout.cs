using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>Inverted dropout (Srivastava et al., 2014); identity in evaluation. No parameters.</summary>
public sealed class Dropout : Module<Tensor, Tensor>, IStochastic
{
    /// <summary>Creates the layer with drop probability <paramref name="p"/>.</summary>
    public Dropout(float p = 0.5f)
    {
        if (p is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        P = p;
    }

    /// <summary>Drop probability.</summary>
    public float P { get; }

    /// <inheritdoc/>
    public Generator Generator { get; set; } = new(0);

    /// <summary>Same shape out.</summary>
    public override Tensor Forward(Tensor x) => Functional.Dropout(x, P, Training, Generator);
}
