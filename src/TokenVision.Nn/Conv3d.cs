using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>3-D convolution (video). Keys: <c>weight</c> [out, in/groups, kd, kh, kw], <c>bias</c> [out].</summary>
public sealed class Conv3d : Module<Tensor, Tensor>
{
    private readonly (int D, int H, int W) _stride;
    private readonly (int D, int H, int W) _padding;

    /// <summary>Creates the layer with PyTorch's default init.</summary>
    public Conv3d(int inChannels, int outChannels, (int D, int H, int W) kernel, Generator generator, (int D, int H, int W)? stride = null,
        (int D, int H, int W)? padding = null, int groups = 1, bool bias = true)
    {
        _stride = stride ?? (1, 1, 1);
        _padding = padding ?? (0, 0, 0);
        Groups = groups;
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv3d: {inChannels} -> {outChannels} channels are not divisible by groups={groups}");
        Weight = RegisterParameter("weight", Tensor.Zeros(outChannels, inChannels / groups, kernel.D, kernel.H, kernel.W));
        Init.KaimingUniform(Weight, generator, a: MathF.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Zeros(outChannels));
            var bound = 1f / MathF.Sqrt(inChannels / groups * kernel.D * kernel.H * kernel.W);
            Init.Uniform(Bias, generator, -bound, bound);
        }
    }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>[out, in/groups, kd, kh, kw].</summary>
    public Tensor Weight { get; }

    /// <summary>[out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>[N, C, D, H, W] → [N, O, D', H', W'].</summary>
    public override Tensor Forward(Tensor x) => Functional.Conv3d(x, Weight, Bias, _stride, _padding, null, Groups);
}
