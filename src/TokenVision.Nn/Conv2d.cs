using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>2-D convolution. Keys: <c>weight</c> [out, in/groups, kh, kw], <c>bias</c> [out].</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    private readonly (int H, int W) _stride;
    private readonly (int H, int W) _padding;
    private readonly (int H, int W) _dilation;

    /// <summary>Creates the layer with PyTorch's default init.</summary>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernel, Generator generator, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? dilation = null, int groups = 1, bool bias = true)
    {
        _stride = stride ?? (1, 1);
        _padding = padding ?? (0, 0);
        _dilation = dilation ?? (1, 1);
        Groups = groups;
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: {inChannels} -> {outChannels} channels are not divisible by groups={groups}");
        Weight = RegisterParameter("weight", Tensor.Zeros(outChannels, inChannels / groups, kernel.H, kernel.W));
        Init.KaimingUniform(Weight, generator, a: MathF.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Zeros(outChannels));
            var fanIn = inChannels / groups * kernel.H * kernel.W;
            var bound = 1f / MathF.Sqrt(fanIn);
            Init.Uniform(Bias, generator, -bound, bound);
        }
    }

    /// <summary>Creates a square-kernel layer.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, Generator generator, int stride = 1, int padding = 0, int groups = 1, bool bias = true)
        : this(inChannels, outChannels, (kernel, kernel), generator, (stride, stride), (padding, padding), null, groups, bias)
    {
    }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>[out, in/groups, kh, kw].</summary>
    public Tensor Weight { get; }

    /// <summary>[out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>[N, C, H, W] → [N, O, H', W'].</summary>
    public override Tensor Forward(Tensor x) => Functional.Conv2d(x, Weight, Bias, _stride, _padding, _dilation, Groups);
}
