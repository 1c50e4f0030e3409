using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// Multi-head self-attention (Vaswani et al., 2017) as timm's ViT <c>Attention</c>: one qkv projection, optional
/// per-head q/k LayerNorm, scaled dot-product attention, output projection. Keys: <c>qkv.*</c>,
/// <c>q_norm.*</c>/<c>k_norm.*</c> (with qk_norm), <c>proj.*</c>.
/// </summary>
public sealed class Attention : Module<Tensor, Tensor>, IStochastic
{
    /// <summary>Creates the block.</summary>
    public Attention(int dim, int numHeads, Generator generator, bool qkvBias = false, bool qkNorm = false, float attnDrop = 0f,
        float projDrop = 0f, float normEps = 1e-6f, bool projBias = true)
    {
        if (numHeads <= 0 || dim % numHeads != 0)
            throw new ArgumentException($"Attention: dim {dim} is not divisible by {numHeads} heads");
        NumHeads = numHeads;
        HeadDim = dim / numHeads;
        AttnDrop = attnDrop;
        Qkv = Register("qkv", new Linear(dim, dim * 3, generator, qkvBias));
        QNorm = Register<Module<Tensor, Tensor>>("q_norm", qkNorm ? new LayerNorm(HeadDim, normEps) : new Identity());
        KNorm = Register<Module<Tensor, Tensor>>("k_norm", qkNorm ? new LayerNorm(HeadDim, normEps) : new Identity());
        Proj = Register("proj", new Linear(dim, dim, generator, projBias));
        ProjDrop = Register("proj_drop", new Dropout(projDrop));
    }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Channels per head.</summary>
    public int HeadDim { get; }

    /// <summary>Dropout probability on the attention weights (training only).</summary>
    public float AttnDrop { get; }

    /// <summary>Joint q, k, v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Query norm (Identity without qk_norm).</summary>
    public Module<Tensor, Tensor> QNorm { get; }

    /// <summary>Key norm (Identity without qk_norm).</summary>
    public Module<Tensor, Tensor> KNorm { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>Dropout after the projection.</summary>
    public Dropout ProjDrop { get; }

    /// <inheritdoc/>
    public Generator Generator { get; set; } = new(0);

    /// <summary>[B, N, C] → [B, N, C].</summary>
    public override Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>[B, N, C] → [B, N, C] with an optional additive or boolean attention mask.</summary>
    public Tensor Forward(Tensor x, Tensor? mask)
    {
        var (b, n) = (x.Shape[0], x.Shape[1]);
        using var qkv = Qkv.Forward(x);
        using var heads = qkv.Reshape(b, n, 3, NumHeads, HeadDim);
        using var perm = heads.Permute(2, 0, 3, 1, 4);         // [3, B, H, N, hd], a view: the kernel reads q, k, v in place
        using var q0 = perm.Select(0, 0);
        using var k0 = perm.Select(0, 1);
        using var v = perm.Select(0, 2);
        using var q = QNorm.Forward(q0);
        using var k = KNorm.Forward(k0);
        var p = Training ? AttnDrop : 0f;
        // Heads written straight into their channel slices of [B, N, C]: no transpose and copy before proj.
        using var merged = Functional.ScaledDotProductAttentionMergedHeads(q, k, v, mask, p, generator: p > 0 ? Generator : null);
        using var y = Proj.Forward(merged);
        return ProjDrop.Forward(y);
    }
}
