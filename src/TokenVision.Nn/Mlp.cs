using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// The transformer feed-forward block: fc1 → activation → dropout → (norm) → fc2 → dropout, as timm's
/// <c>Mlp</c>. Keys: <c>fc1.*</c>, <c>norm.*</c> (when used), <c>fc2.*</c>.
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    /// <summary>Creates the block; <paramref name="hiddenFeatures"/> and <paramref name="outFeatures"/> default to the input size.</summary>
    public Mlp(int inFeatures, Generator generator, int? hiddenFeatures = null, int? outFeatures = null, ActivationKind act = ActivationKind.Gelu,
        bool bias = true, float drop = 0f, bool useNorm = false, float normEps = 1e-6f)
    {
        var hidden = hiddenFeatures ?? inFeatures;
        var output = outFeatures ?? inFeatures;
        Fc1 = Register("fc1", new Linear(inFeatures, hidden, generator, bias));
        Act = Register("act", new Activation(act));
        Drop1 = Register("drop1", new Dropout(drop));
        Norm = Register<Module<Tensor, Tensor>>("norm", useNorm ? new LayerNorm(hidden, normEps) : new Identity());
        Fc2 = Register("fc2", new Linear(hidden, output, generator, bias));
        Drop2 = Register("drop2", new Dropout(drop));
    }

    /// <summary>First projection.</summary>
    public Linear Fc1 { get; }

    /// <summary>Activation.</summary>
    public Activation Act { get; }

    /// <summary>Dropout after the activation.</summary>
    public Dropout Drop1 { get; }

    /// <summary>Optional norm on the hidden features.</summary>
    public Module<Tensor, Tensor> Norm { get; }

    /// <summary>Second projection.</summary>
    public Linear Fc2 { get; }

    /// <summary>Dropout after the second projection.</summary>
    public Dropout Drop2 { get; }

    /// <summary>[..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var a = Hidden(x);
        using var d = Drop1.Forward(a);
        using var n = Norm.Forward(d);
        using var o = Fc2.Forward(n);
        return Drop2.Forward(o);
    }

    // act(fc1(x)): GELU and ReLU go through the fused linear + activation, which applies the activation inside the
    // matrix product when no gradient is recorded (same values as the two layers).
    private Tensor Hidden(Tensor x)
    {
        switch (Act.Kind)
        {
            case ActivationKind.Gelu: return Tensor.LinearGelu(x, Fc1.Weight, Fc1.Bias);
            case ActivationKind.GeluTanh: return Tensor.LinearGelu(x, Fc1.Weight, Fc1.Bias, tanhApproximation: true);
            case ActivationKind.Relu: return Tensor.LinearRelu(x, Fc1.Weight, Fc1.Bias);
            default:
                using (var h = Fc1.Forward(x))
                    return Act.Forward(h);
        }
    }
}
