using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>y = x·Wᵀ + b over the last dimension. Keys: <c>weight</c> [out, in], <c>bias</c> [out].</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's default init (U(±1/sqrt(in)) for weight and bias).</summary>
    public Linear(int inFeatures, int outFeatures, Generator generator, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Zeros(outFeatures, inFeatures));
        Init.KaimingUniform(Weight, generator, a: MathF.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Zeros(outFeatures));
            var bound = inFeatures > 0 ? 1f / MathF.Sqrt(inFeatures) : 0f;
            Init.Uniform(Bias, generator, -bound, bound);
        }
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>[out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>[out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>[..., in] → [..., out].</summary>
    public override Tensor Forward(Tensor x) => Tensor.Linear(x, Weight, Bias);
}
