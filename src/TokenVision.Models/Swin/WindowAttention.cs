using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// Window multi-head self-attention with a learned relative position bias (W-MSA / SW-MSA, Liu et al., 2021), as
/// timm's <c>WindowAttention</c>. Keys: <c>relative_position_bias_table</c> [(2wh-1)(2ww-1), heads],
/// <c>qkv.*</c>, <c>proj.*</c>; the relative-position index is a non-persistent buffer.
/// </summary>
public sealed class WindowAttention : Module<Tensor, Tensor>, IStochastic
{
    /// <summary>Creates the block for <paramref name="window"/>-sized windows.</summary>
    public WindowAttention(int dim, int numHeads, (int H, int W) window, Generator generator, int? headDim = null, bool qkvBias = true,
        float attnDrop = 0f, float projDrop = 0f)
    {
        NumHeads = numHeads;
        HeadDim = headDim ?? dim / numHeads;
        if (HeadDim <= 0 || (headDim is null && dim % numHeads != 0))
            throw new ArgumentException($"WindowAttention: dim {dim} is not divisible by {numHeads} heads");
        Window = window;
        AttnDrop = attnDrop;
        var attnDim = HeadDim * numHeads;
        var n = window.H * window.W;
        RelativePositionBiasTable = RegisterParameter("relative_position_bias_table",
            Tensor.Zeros((2 * window.H - 1) * (2 * window.W - 1), numHeads));
        RelativePositionIndex = RegisterBuffer("relative_position_index",
            Tensor.FromArray(SwinWindows.RelativePositionIndex(window), n, n), persistent: false);
        Qkv = Register("qkv", new Linear(dim, attnDim * 3, generator, qkvBias));
        Proj = Register("proj", new Linear(attnDim, dim, generator));
        ProjDrop = Register("proj_drop", new Dropout(projDrop));
        Init.TruncNormal(RelativePositionBiasTable, generator);
    }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Channels per head.</summary>
    public int HeadDim { get; }

    /// <summary>Window height and width.</summary>
    public (int H, int W) Window { get; }

    /// <summary>Dropout probability on the attention weights (training only).</summary>
    public float AttnDrop { get; }

    /// <summary>[(2wh-1)(2ww-1), heads] learned bias per relative offset.</summary>
    public Tensor RelativePositionBiasTable { get; }

    /// <summary>[N, N] int64 row of the table for each (query, key) pair (not in the state dict).</summary>
    public Tensor RelativePositionIndex { get; }

    /// <summary>Joint q, k, v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>Dropout after the projection.</summary>
    public Dropout ProjDrop { get; }

    /// <inheritdoc/>
    public Generator Generator { get; set; } = new(0);

    /// <summary>[B·nW, N, C] → [B·nW, N, C] without a shift mask.</summary>
    public override Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>
    /// [B·nW, N, C] → [B·nW, N, C]: softmax(q·kᵀ/√d + bias + mask)·v per window and head, then the projection.
    /// </summary>
    /// <param name="x">Windows of tokens, nW windows per image.</param>
    /// <param name="mask">[nW, N, N] additive shift mask, or null.</param>
    public Tensor Forward(Tensor x, Tensor? mask)
    {
        var (bw, n) = (x.Shape[0], x.Shape[1]);
        using var qkv = Qkv.Forward(x);
        using var heads = qkv.Reshape(bw, n, 3, NumHeads, HeadDim);
        using var perm = heads.Permute(2, 0, 3, 1, 4);                     // [3, B·nW, heads, N, hd]
        using var q = perm.Select(0, 0);
        using var k = perm.Select(0, 1);
        using var v = perm.Select(0, 2);
        using var bias = RelativePositionBias();                          // [heads, N, N]
        var p = Training ? AttnDrop : 0f;
        var g = p > 0 ? Generator : null;
        using var flat = mask is null
            ? Functional.ScaledDotProductAttentionMergedHeads(q, k, v, bias, p, generator: g)
            : MergeHeads(MaskedAttention(q, k, v, bias, mask, p, g));       // [B·nW, N, heads·hd]
        using var y = Proj.Forward(flat);
        return ProjDrop.Forward(y);
    }

    /// <summary>The table rows for every (query, key) pair as [heads, N, N].</summary>
    public Tensor RelativePositionBias()
    {
        var n = Window.H * Window.W;
        using var flatIndex = RelativePositionIndex.Reshape(-1);
        using var rows = RelativePositionBiasTable.IndexSelect(0, flatIndex);  // [N·N, heads]
        using var pairs = rows.Reshape(n, n, NumHeads);
        return pairs.Permute(2, 0, 1);
    }

    /// <summary>
    /// Attention with the bias and the per-window mask. Windows are stored image by image, so
    /// [B·nW, heads, N, hd] is read as [B, nW·heads, N, hd] and the combined [nW·heads, N, N] term broadcasts over
    /// the images: one fused attention call instead of a materialised score matrix.
    /// </summary>
    internal static Tensor MaskedAttention(Tensor q, Tensor k, Tensor v, Tensor bias, Tensor mask, float p, Generator? g)
    {
        var (bw, heads, n, hd) = (q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3]);
        var nw = mask.Shape[0];
        if (bw % nw != 0)
            throw new ArgumentException($"shifted-window attention: {bw} windows are not a multiple of the mask's {nw} windows per image");
        using var perWindow = mask.Unsqueeze(1);                           // [nW, 1, N, N]
        using var combined = bias + perWindow;                             // [nW, heads, N, N]
        using var terms = combined.Reshape(nw * heads, n, n);              // broadcast over the B images
        using var qi = PerImage(q, nw);
        using var ki = PerImage(k, nw);
        using var vi = PerImage(v, nw);
        using var o = Functional.ScaledDotProductAttention(qi, ki, vi, terms, p, generator: g);   // [B, nW·heads, N, hd]
        return o.Reshape(bw, heads, n, v.Shape[3]);
    }

    /// <summary>[B·nW, heads, N, d] → [B·nW, N, heads·d]; disposes <paramref name="o"/>.</summary>
    internal static Tensor MergeHeads(Tensor o)
    {
        using (o)
        {
            using var t = o.Transpose(1, 2);                               // [B·nW, N, heads, d]
            return t.Reshape(o.Shape[0], o.Shape[2], o.Shape[1] * o.Shape[3]);
        }
    }

    /// <summary>[B·nW, heads, N, d] → [B, nW·heads, N, d] (a copy only when the windows are not contiguous).</summary>
    private static Tensor PerImage(Tensor t, int nw)
    {
        using var c = t.Contiguous();
        return c.Reshape(t.Shape[0] / nw, nw * t.Shape[1], t.Shape[2], t.Shape[3]);
    }
}
