using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>The elementwise activations models choose by name.</summary>
public enum ActivationKind
{
    /// <summary>GELU, exact erf form (nn.GELU()).</summary>
    Gelu,
    /// <summary>GELU, tanh approximation (nn.GELU(approximate='tanh')).</summary>
    GeluTanh,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x * sigmoid(x).</summary>
    Silu,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>sigmoid(x).</summary>
    Sigmoid,
}

/// <summary>An elementwise activation layer (no parameters).</summary>
public sealed class Activation : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Activation(ActivationKind kind) => Kind = kind;

    /// <summary>Which function.</summary>
    public ActivationKind Kind { get; }

    /// <summary>Same shape out.</summary>
    public override Tensor Forward(Tensor x) => Kind switch
    {
        ActivationKind.Gelu => x.Gelu(),
        ActivationKind.GeluTanh => x.Gelu(tanhApproximation: true),
        ActivationKind.Relu => x.Relu(),
        ActivationKind.Silu => x.Silu(),
        ActivationKind.Tanh => x.Tanh(),
        _ => x.Sigmoid(),
    };
}
