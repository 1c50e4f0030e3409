using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionVit;

/// <summary>
/// Multi-head self-attention (Vaswani et al., 2017) keyed as <c>torch.nn.MultiheadAttention</c> with
/// <c>batch_first=True</c>: one packed input projection <c>in_proj_weight</c> [3D, D] / <c>in_proj_bias</c> [3D]
/// whose row blocks are q, k and v in that order, then <c>out_proj</c>.
/// </summary>
public sealed class MultiheadAttention : Module<Tensor, Tensor>, IStochastic
{
    /// <summary>Creates the layer with PyTorch's init: Xavier-uniform packed projection, zero biases.</summary>
    public MultiheadAttention(int embedDim, int numHeads, float dropout, Generator g)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embed_dim {embedDim} is not divisible by {numHeads} heads");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        Dropout = dropout;
        InProjWeight = RegisterParameter("in_proj_weight", Tensor.Zeros(3 * embedDim, embedDim));
        InProjBias = RegisterParameter("in_proj_bias", Tensor.Zeros(3 * embedDim));
        OutProj = Register("out_proj", new Linear(embedDim, embedDim, g));
        Init.XavierUniform(InProjWeight, g);
        Init.Zeros(OutProj.Bias!);
    }

    /// <summary>Token width D.</summary>
    public int EmbedDim { get; }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Channels per head.</summary>
    public int HeadDim { get; }

    /// <summary>Dropout probability on the attention weights (training only).</summary>
    public float Dropout { get; }

    /// <summary>[3D, D]: rows [0, D) project queries, [D, 2D) keys, [2D, 3D) values.</summary>
    public Tensor InProjWeight { get; }

    /// <summary>[3D] biases of the packed projection, in the same q, k, v order.</summary>
    public Tensor InProjBias { get; }

    /// <summary>Output projection.</summary>
    public Linear OutProj { get; }

    /// <inheritdoc/>
    public Generator Generator { get; set; } = new(0);

    /// <summary>[B, N, D] → [B, N, D].</summary>
    public override Tensor Forward(Tensor x)
    {
        var (q, k, v) = ProjectQkv(x);                                    // each [B, H, N, hd]
        using (q)
        using (k)
        using (v)
        {
            var p = Training ? Dropout : 0f;
            using var merged = Functional.ScaledDotProductAttentionMergedHeads(q, k, v, null, p, generator: p > 0 ? Generator : null);  // [B, N, D]
            return OutProj.Forward(merged);
        }
    }

    /// <summary>
    /// The packed projection split into heads: x·Wᵀ + b gives [B, N, 3D], whose thirds are q, k and v (as torch's
    /// <c>chunk(3, -1)</c>), each reshaped to [B, heads, N, D/heads].
    /// </summary>
    public (Tensor Q, Tensor K, Tensor V) ProjectQkv(Tensor x)
    {
        var (b, n) = (x.Shape[0], x.Shape[1]);
        using var qkv = Tensor.Linear(x, InProjWeight, InProjBias);     // [B, N, 3D]
        using var heads = qkv.Reshape(b, n, 3, NumHeads, HeadDim);
        using var perm = heads.Permute(2, 0, 3, 1, 4);                  // [3, B, H, N, hd]
        return (perm.Select(0, 0), perm.Select(0, 1), perm.Select(0, 2));
    }
}
