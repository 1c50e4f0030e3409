using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionSwin;

/// <summary>
/// A Swin Transformer block as torchvision's <c>SwinTransformerBlock</c>: pre-norm shifted-window attention and MLP
/// with residuals and row-wise stochastic depth, on NHWC maps. Keys: <c>norm1.*</c>, <c>attn.*</c>, <c>norm2.*</c>,
/// <c>mlp.0.*</c>, <c>mlp.3.*</c>.
/// </summary>
public sealed class TorchvisionSwinBlock : Module<Tensor, Tensor>
{
    /// <summary>LayerNorm epsilon of torchvision's Swin.</summary>
    public const float NormEps = 1e-5f;

    /// <summary>Creates the block.</summary>
    public TorchvisionSwinBlock(int dim, int numHeads, (int H, int W) window, (int H, int W) shift, TorchvisionSwinConfig config,
        float stochasticDepthProb, Generator generator)
    {
        var hidden = (int)(dim * config.MlpRatio);
        Norm1 = Register("norm1", new LayerNorm(dim, NormEps));
        Attn = Register("attn", new ShiftedWindowAttention(dim, window, shift, numHeads, generator,
            attentionDropout: config.AttentionDropout, dropout: config.Dropout));
        StochasticDepth = Register("stochastic_depth", new DropPath(stochasticDepthProb));
        Norm2 = Register("norm2", new LayerNorm(dim, NormEps));
        // torchvision.ops.MLP: Linear, GELU, Dropout, Linear, Dropout.
        Mlp = Register("mlp", new Sequential(
            new Linear(dim, hidden, generator), new Activation(ActivationKind.Gelu), new Dropout(config.Dropout),
            new Linear(hidden, dim, generator), new Dropout(config.Dropout)));
    }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Shifted-window attention.</summary>
    public ShiftedWindowAttention Attn { get; }

    /// <summary>Stochastic depth ("row": whole samples), shared by both branches and drawn independently for each.</summary>
    public DropPath StochasticDepth { get; }

    /// <summary>Norm before the MLP.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Feed-forward block (keys 0 and 3 are its linear layers).</summary>
    public Sequential Mlp { get; }

    /// <summary>[B, H, W, C] → [B, H, W, C].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var n1 = Norm1.Forward(x);
        using var a = Attn.Forward(n1);
        using var d1 = StochasticDepth.Forward(a);
        using var x1 = x + d1;                                             // x + sd(attn(norm1(x)))
        using var n2 = Norm2.Forward(x1);
        using var m = Mlp.Forward(n2);
        using var d2 = StochasticDepth.Forward(m);
        return x1 + d2;                                                    // x + sd(mlp(norm2(x)))
    }
}
