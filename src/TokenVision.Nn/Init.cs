using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// Weight initialisation as PyTorch's <c>torch.nn.init</c> and timm's <c>trunc_normal_</c>, drawing from an
/// explicit <see cref="Generator"/>. Each function writes in place without recording gradients; inside a
/// <see cref="DeferredAllocation"/> scope (a model about to receive a checkpoint) it does nothing.
/// </summary>
public static class Init
{
    /// <summary>Normal samples truncated to [a, b] (absolute bounds; timm uses std 0.02, a = -2, b = 2).</summary>
    public static void TruncNormal(Tensor t, Generator g, float std = 0.02f, float mean = 0f, float a = -2f, float b = 2f)
    {
        if (DeferredAllocation.IsActive)
            return;
        using var _ = Grad.Disabled();
        t.TruncNormal_(mean, std, a, b, g);
    }

    /// <summary>
    /// timm's transformer init: every <see cref="Linear"/> below <paramref name="root"/> (in module order) gets a
    /// truncated-normal weight (<see cref="TruncNormal"/> with these bounds) and a zero bias.
    /// </summary>
    public static void TruncNormalLinears(Module root, Generator g, float std = 0.02f, float a = -2f, float b = 2f)
    {
        foreach (var (_, m) in root.NamedModules())
        {
            if (m is Linear linear)
            {
                TruncNormal(linear.Weight, g, std, a: a, b: b);
                if (linear.Bias is not null)
                    Zeros(linear.Bias);
            }
        }
    }

    /// <summary>Normal samples.</summary>
    public static void Normal(Tensor t, Generator g, float mean = 0f, float std = 1f)
    {
        if (DeferredAllocation.IsActive)
            return;
        using var _ = Grad.Disabled();
        t.Normal_(mean, std, g);
    }

    /// <summary>Uniform samples in [low, high).</summary>
    public static void Uniform(Tensor t, Generator g, float low = 0f, float high = 1f)
    {
        if (DeferredAllocation.IsActive)
            return;
        using var _ = Grad.Disabled();
        t.Uniform_(low, high, g);
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public static void Constant(Tensor t, float value)
    {
        if (DeferredAllocation.IsActive)
            return;
        using var _ = Grad.Disabled();
        t.Fill_(value);
    }

    /// <summary>Zeros.</summary>
    public static void Zeros(Tensor t) => Constant(t, 0f);

    /// <summary>Ones.</summary>
    public static void Ones(Tensor t) => Constant(t, 1f);

    /// <summary>Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)).</summary>
    public static void XavierUniform(Tensor t, Generator g, float gain = 1f)
    {
        var (fanIn, fanOut) = Fans(t);
        var bound = gain * MathF.Sqrt(6f / (fanIn + fanOut));
        Uniform(t, g, -bound, bound);
    }

    /// <summary>
    /// He uniform: U(-b, b), b = gain * sqrt(3 / fan) with gain sqrt(2 / (1 + a²)) (leaky ReLU slope a). PyTorch's
    /// default Linear/Conv weight init is a = sqrt(5) with fan_in.
    /// </summary>
    public static void KaimingUniform(Tensor t, Generator g, float a = 0f, bool fanOut = false)
    {
        var (fi, fo) = Fans(t);
        var fan = fanOut ? fo : fi;
        var gain = MathF.Sqrt(2f / (1 + a * a));
        var bound = gain * MathF.Sqrt(3f / fan);
        Uniform(t, g, -bound, bound);
    }

    /// <summary>He normal: N(0, gain / sqrt(fan)); ResNets use fan_out with ReLU gain.</summary>
    public static void KaimingNormal(Tensor t, Generator g, float a = 0f, bool fanOut = false)
    {
        var (fi, fo) = Fans(t);
        var fan = fanOut ? fo : fi;
        var gain = MathF.Sqrt(2f / (1 + a * a));
        Normal(t, g, 0f, gain / MathF.Sqrt(fan));
    }

    /// <summary>LeCun normal (truncated, as in JAX): std = 1 / sqrt(fan_in).</summary>
    public static void LecunNormal(Tensor t, Generator g)
    {
        var (fi, _) = Fans(t);
        // 0.8796... is the std of a standard normal truncated to [-2, 2].
        var std = MathF.Sqrt(1f / fi) / 0.87962566103423978f;
        TruncNormal(t, g, std, 0f, -2 * std, 2 * std);
    }

    /// <summary>Fan-in and fan-out of a weight: [out, in, *kernel] has fan_in = in·k and fan_out = out·k.</summary>
    public static (int FanIn, int FanOut) Fans(Tensor t)
    {
        if (t.Rank < 2)
            throw new ArgumentException($"fan-in and fan-out need at least 2 dimensions, got {t.Shape}");
        var receptive = 1;
        for (var i = 2; i < t.Rank; i++)
            receptive *= t.Shape[i];
        return (t.Shape[1] * receptive, t.Shape[0] * receptive);
    }
}
