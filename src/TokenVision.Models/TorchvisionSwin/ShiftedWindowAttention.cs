using TokenVision.Models.Swin;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionSwin;

/// <summary>
/// Shifted-window multi-head self-attention with relative position bias (Liu et al., 2021), as torchvision's
/// <c>ShiftedWindowAttention</c>: pads the map to a multiple of the window (the padding is attended, not masked),
/// shifts unless the padded size fits in one window, attends per window and undoes it all. Keys:
/// <c>relative_position_bias_table</c>, <c>relative_position_index</c> (persistent int64 [N²]), <c>qkv.*</c>, <c>proj.*</c>.
/// </summary>
/// <remarks>
/// Two torchvision 0.14 behaviours are deliberately not reproduced: its attention and projection dropouts run even in
/// eval mode (<c>F.dropout</c> without <c>training</c>), and dropping the shift overwrites the module's shift for all
/// later calls. Here dropout runs only in training and the shift is decided per call from the padded size; with the
/// default rates of 0 and a fixed input size both agree with torchvision.
/// </remarks>
public sealed class ShiftedWindowAttention : Module<Tensor, Tensor>, IStochastic
{
    /// <summary>Creates the block.</summary>
    public ShiftedWindowAttention(int dim, (int H, int W) window, (int H, int W) shift, int numHeads, Generator generator,
        bool qkvBias = true, bool projBias = true, float attentionDropout = 0f, float dropout = 0f)
    {
        if (dim % numHeads != 0)
            throw new ArgumentException($"ShiftedWindowAttention: dim {dim} is not divisible by {numHeads} heads");
        Window = window;
        Shift = shift;
        NumHeads = numHeads;
        AttentionDropout = attentionDropout;
        RelativePositionBiasTable = RegisterParameter("relative_position_bias_table",
            Tensor.Zeros((2 * window.H - 1) * (2 * window.W - 1), numHeads));
        RelativePositionIndex = RegisterBuffer("relative_position_index",
            Tensor.FromArray(SwinWindows.RelativePositionIndex(window), window.H * window.W * window.H * window.W));
        Qkv = Register("qkv", new Linear(dim, dim * 3, generator, qkvBias));
        Proj = Register("proj", new Linear(dim, dim, generator, projBias));
        ProjDrop = Register("proj_drop", new Dropout(dropout));
        Init.TruncNormal(RelativePositionBiasTable, generator);
    }

    /// <summary>Window height and width.</summary>
    public (int H, int W) Window { get; }

    /// <summary>Configured shift (dropped per dimension when the padded map fits in one window).</summary>
    public (int H, int W) Shift { get; }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Dropout probability on the attention weights (training only).</summary>
    public float AttentionDropout { get; }

    /// <summary>[(2wh-1)(2ww-1), heads] learned bias per relative offset.</summary>
    public Tensor RelativePositionBiasTable { get; }

    /// <summary>[N·N] int64 row of the table for each (query, key) pair (persistent, as torchvision keeps it).</summary>
    public Tensor RelativePositionIndex { get; }

    /// <summary>Joint q, k, v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>Dropout after the projection (no key).</summary>
    public Dropout ProjDrop { get; }

    /// <inheritdoc/>
    public Generator Generator { get; set; } = new(0);

    /// <summary>[B, H, W, C] → [B, H, W, C].</summary>
    public override Tensor Forward(Tensor x)
    {
        var (b, h, w, c) = (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
        var (ph, pw) = ((Window.H - h % Window.H) % Window.H, (Window.W - w % Window.W) % Window.W);
        using var padded = ph == 0 && pw == 0 ? x.Identity() : x.Pad([0, 0, 0, pw, 0, ph]);
        var (hp, wp) = (h + ph, w + pw);
        // No shift along a dimension that a single window covers.
        var shift = (Window.H >= hp ? 0 : Shift.H, Window.W >= wp ? 0 : Shift.W);
        var shifted = shift.Item1 + shift.Item2 > 0;
        using var rolled = shifted ? padded.Roll([-shift.Item1, -shift.Item2], [1, 2]) : padded.Identity();
        using var windows = SwinWindows.Partition(rolled, Window);         // [B·nW, N, C]
        using var mask = shifted ? SwinWindows.ShiftMask(hp, wp, Window, shift) : null;
        using var attended = Attend(windows, c, mask);
        using var merged = SwinWindows.Reverse(attended, Window, hp, wp);  // [B, Hp, Wp, C]
        using var unrolled = shifted ? merged.Roll([shift.Item1, shift.Item2], [1, 2]) : merged.Identity();
        using var rows = unrolled.Narrow(1, 0, h);
        using var cropped = rows.Narrow(2, 0, w);
        return cropped.Contiguous();
    }

    /// <summary>The table rows for every (query, key) pair as [heads, N, N].</summary>
    public Tensor RelativePositionBias()
    {
        var n = Window.H * Window.W;
        using var rows = RelativePositionBiasTable.IndexSelect(0, RelativePositionIndex);   // [N·N, heads]
        using var pairs = rows.Reshape(n, n, NumHeads);
        return pairs.Permute(2, 0, 1);
    }

    /// <summary>[B·nW, N, C] → [B·nW, N, C]: softmax(q·kᵀ/√d + bias (+ mask))·v, projection, dropout.</summary>
    private Tensor Attend(Tensor windows, int c, Tensor? mask)
    {
        var (bw, n) = (windows.Shape[0], windows.Shape[1]);
        using var qkv = Qkv.Forward(windows);
        using var heads = qkv.Reshape(bw, n, 3, NumHeads, c / NumHeads);
        using var perm = heads.Permute(2, 0, 3, 1, 4);                     // [3, B·nW, heads, N, hd]
        using var q = perm.Select(0, 0);
        using var k = perm.Select(0, 1);
        using var v = perm.Select(0, 2);
        using var bias = RelativePositionBias();
        var p = Training ? AttentionDropout : 0f;
        var g = p > 0 ? Generator : null;
        using var flat = mask is null
            ? Functional.ScaledDotProductAttentionMergedHeads(q, k, v, bias, p, generator: g)
            : WindowAttention.MergeHeads(WindowAttention.MaskedAttention(q, k, v, bias, mask, p, g));   // [B·nW, N, C]
        using var y = Proj.Forward(flat);
        return ProjDrop.Forward(y);
    }
}
