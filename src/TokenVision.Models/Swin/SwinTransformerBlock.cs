using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// A Swin Transformer block (Liu et al., 2021), as timm's <c>SwinTransformerBlock</c>: pre-norm (shifted) window
/// attention and an MLP, each with a residual connection, on NHWC maps. Keys: <c>norm1.*</c>, <c>attn.*</c>,
/// <c>norm2.*</c>, <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>.
/// </summary>
/// <remarks>
/// Unless <c>always_partition</c>, a dimension whose feature size is no larger than the window uses the feature size
/// as the window and no shift. Maps that are not a multiple of the window are zero-padded after the shift.
/// </remarks>
public sealed class SwinTransformerBlock : Module<Tensor, Tensor>
{
    private readonly Tensor? _attnMask;
    private readonly (int H, int W) _maskSize;

    /// <summary>Creates the block for <paramref name="inputResolution"/> maps.</summary>
    /// <param name="dim">Channels.</param>
    /// <param name="inputResolution">Feature map size the block is laid out for.</param>
    /// <param name="numHeads">Attention heads.</param>
    /// <param name="window">Target window size.</param>
    /// <param name="shifted">Whether this block shifts its windows by half a window (the odd blocks of a stage).</param>
    /// <param name="config">Model settings (head dim, MLP ratio, biases, dropouts, partitioning).</param>
    /// <param name="dropPath">Stochastic-depth rate of this block.</param>
    /// <param name="generator">Initialisation generator.</param>
    public SwinTransformerBlock(int dim, (int H, int W) inputResolution, int numHeads, (int H, int W) window, bool shifted,
        SwinConfig config, float dropPath, Generator generator)
    {
        InputResolution = inputResolution;
        DynamicMask = !config.StrictImgSize;
        var targetShift = shifted ? (window.H / 2, window.W / 2) : (0, 0);
        (Window, Shift) = WindowAndShift(inputResolution, window, targetShift, config.AlwaysPartition);

        Norm1 = Register("norm1", new LayerNorm(dim, NormEps));
        Attn = Register("attn", new WindowAttention(dim, numHeads, Window, generator, config.HeadDim, config.QkvBias,
            config.AttnDropRate, config.ProjDropRate));
        DropPath1 = Register("drop_path1", new DropPath(dropPath));
        Norm2 = Register("norm2", new LayerNorm(dim, NormEps));
        Mlp = Register("mlp", new Mlp(dim, generator, (int)(dim * config.MlpRatio), drop: config.ProjDropRate));
        DropPath2 = Register("drop_path2", new DropPath(dropPath));
        if (HasShift && !DynamicMask)
        {
            _maskSize = PaddedSize(inputResolution.H, inputResolution.W);
            _attnMask = RegisterBuffer("attn_mask", SwinWindows.ShiftMask(_maskSize.H, _maskSize.W, Window, Shift), persistent: false);
        }
    }

    /// <summary>LayerNorm epsilon of timm's Swin (nn.LayerNorm default).</summary>
    public const float NormEps = 1e-5f;

    /// <summary>Feature map size the block was laid out for.</summary>
    public (int H, int W) InputResolution { get; }

    /// <summary>Window actually used (the target, or the feature size where that is smaller).</summary>
    public (int H, int W) Window { get; }

    /// <summary>Cyclic shift actually used (zero along dimensions that fit in one window).</summary>
    public (int H, int W) Shift { get; }

    /// <summary>Whether the windows are shifted.</summary>
    public bool HasShift => Shift.H != 0 || Shift.W != 0;

    /// <summary>Whether the shift mask is computed for each input size instead of once.</summary>
    public bool DynamicMask { get; }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>(Shifted) window attention.</summary>
    public WindowAttention Attn { get; }

    /// <summary>Stochastic depth of the attention branch.</summary>
    public DropPath DropPath1 { get; }

    /// <summary>Norm before the MLP.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Feed-forward block.</summary>
    public Mlp Mlp { get; }

    /// <summary>Stochastic depth of the MLP branch.</summary>
    public DropPath DropPath2 { get; }

    /// <summary>
    /// timm's <c>_calc_window_shift</c>: per dimension, a feature size no larger than the window becomes the window
    /// and gets no shift, unless <paramref name="alwaysPartition"/>.
    /// </summary>
    public static ((int H, int W) Window, (int H, int W) Shift) WindowAndShift((int H, int W) resolution, (int H, int W) window,
        (int H, int W) shift, bool alwaysPartition)
    {
        if (alwaysPartition)
            return (window, shift);
        var wh = resolution.H <= window.H ? resolution.H : window.H;
        var ww = resolution.W <= window.W ? resolution.W : window.W;
        var sh = resolution.H <= wh ? 0 : shift.H;
        var sw = resolution.W <= ww ? 0 : shift.W;
        return ((wh, ww), (sh, sw));
    }

    /// <summary>[B, H, W, C] → [B, H, W, C].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var n1 = Norm1.Forward(x);
        using var a = WindowedAttention(n1);
        using var d1 = DropPath1.Forward(a);
        using var x1 = x + d1;                                             // x + drop_path(attn(norm1(x)))
        using var n2 = Norm2.Forward(x1);
        using var m = Mlp.Forward(n2);
        using var d2 = DropPath2.Forward(m);
        return x1 + d2;                                                    // x + drop_path(mlp(norm2(x)))
    }

    /// <summary>Shift, pad, attend within windows, merge, crop and shift back: [B, H, W, C] → [B, H, W, C].</summary>
    private Tensor WindowedAttention(Tensor x)
    {
        var (h, w, c) = (x.Shape[1], x.Shape[2], x.Shape[3]);
        using var shifted = HasShift ? x.Roll([-Shift.H, -Shift.W], [1, 2]) : x.Identity();
        var (hp, wp) = PaddedSize(h, w);
        using var padded = hp == h && wp == w ? shifted.Identity() : shifted.Pad([0, 0, 0, wp - w, 0, hp - h]);
        using var windows = SwinWindows.Partition(padded, Window);         // [B·nW, wh·ww, C]
        using var dynamicMask = HasShift && (DynamicMask || !MaskFits(hp, wp)) ? SwinWindows.ShiftMask(hp, wp, Window, Shift) : null;
        using var attended = Attn.Forward(windows, HasShift ? dynamicMask ?? _attnMask : null);
        using var merged = SwinWindows.Reverse(attended, Window, hp, wp);  // [B, Hp, Wp, C]
        using var rows = merged.Narrow(1, 0, h);
        using var cropped = rows.Narrow(2, 0, w);                          // padding removed
        return HasShift ? cropped.Roll([Shift.H, Shift.W], [1, 2]) : cropped.Contiguous();
    }

    private bool MaskFits(int hp, int wp) => _attnMask is not null && (hp, wp) == _maskSize;

    private (int H, int W) PaddedSize(int h, int w) =>
        ((h + Window.H - 1) / Window.H * Window.H, (w + Window.W - 1) / Window.W * Window.W);
}
