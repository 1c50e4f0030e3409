using TokenVision.Tensors.Kernels.Conv;

namespace TokenVision.Tensors.Kernels.Depthwise;

/// <summary>
/// Sizes of a depthwise convolution (groups = input channels, each input channel feeding
/// <see cref="Multiplier"/> consecutive output channels) over three spatial dimensions (1-D and 2-D have leading
/// size-1 dimensions): input [N, C, Id, Ih, Iw], weight [C·M, 1, Kd, Kh, Kw], output [N, C·M, Od, Oh, Ow].
/// </summary>
internal readonly struct DepthwiseShape
{
    /// <summary>Takes the sizes from a convolution geometry.</summary>
    public DepthwiseShape(int batch, int channels, int multiplier, ConvGeometry g)
    {
        Batch = batch;
        Channels = channels;
        Multiplier = multiplier;
        (Id, Ih, Iw) = (g.In[0], g.In[1], g.In[2]);
        (Od, Oh, Ow) = (g.Out[0], g.Out[1], g.Out[2]);
        (Kd, Kh, Kw) = (g.Kernel[0], g.Kernel[1], g.Kernel[2]);
        (Sd, Sh, Sw) = (g.Stride[0], g.Stride[1], g.Stride[2]);
        (Dd, Dh, Dw) = (g.Dilation[0], g.Dilation[1], g.Dilation[2]);
        (Pd, Ph, Pw) = (g.PadBefore[0], g.PadBefore[1], g.PadBefore[2]);
        PaddedWidth = g.PadBefore[2] + g.In[2] + g.PadAfter[2];
    }

    /// <summary>Samples.</summary>
    public int Batch { get; }

    /// <summary>Input channels (= groups).</summary>
    public int Channels { get; }

    /// <summary>Output channels per input channel.</summary>
    public int Multiplier { get; }

    /// <summary>Input depth.</summary>
    public int Id { get; }

    /// <summary>Input height.</summary>
    public int Ih { get; }

    /// <summary>Input width.</summary>
    public int Iw { get; }

    /// <summary>Output depth.</summary>
    public int Od { get; }

    /// <summary>Output height.</summary>
    public int Oh { get; }

    /// <summary>Output width.</summary>
    public int Ow { get; }

    /// <summary>Kernel depth.</summary>
    public int Kd { get; }

    /// <summary>Kernel height.</summary>
    public int Kh { get; }

    /// <summary>Kernel width.</summary>
    public int Kw { get; }

    /// <summary>Stride in depth.</summary>
    public int Sd { get; }

    /// <summary>Stride in height.</summary>
    public int Sh { get; }

    /// <summary>Stride in width.</summary>
    public int Sw { get; }

    /// <summary>Dilation in depth.</summary>
    public int Dd { get; }

    /// <summary>Dilation in height.</summary>
    public int Dh { get; }

    /// <summary>Dilation in width.</summary>
    public int Dw { get; }

    /// <summary>Padding before the input in depth.</summary>
    public int Pd { get; }

    /// <summary>Padding before the input in height.</summary>
    public int Ph { get; }

    /// <summary>Padding before the input in width.</summary>
    public int Pw { get; }

    /// <summary>Width of an input row with its padding before and after.</summary>
    public int PaddedWidth { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels => Channels * Multiplier;

    /// <summary>Elements of one input plane.</summary>
    public int InSize => Id * Ih * Iw;

    /// <summary>Elements of one output plane.</summary>
    public int OutSize => Od * Oh * Ow;

    /// <summary>Taps of one filter.</summary>
    public int KernelSize => Kd * Kh * Kw;

    /// <summary>Length of each stride phase of an input row: <c>ceil(Iw / Sw)</c>.</summary>
    public int PhaseLength => (Iw + Sw - 1) / Sw;

    /// <summary>Length of each stride phase of a padded input row: <c>ceil(PaddedWidth / Sw)</c>.</summary>
    public int PaddedPhaseLength => (PaddedWidth + Sw - 1) / Sw;

    /// <summary>Output columns [lo, hi) whose tap at width offset <paramref name="offset"/> (kw·dw − pw) lands inside the input row.</summary>
    public (int Lo, int Hi) Columns(int offset)
    {
        var lo = Math.Max(0, CeilDiv(-offset, Sw));
        var hi = Math.Min(Ow, FloorDiv(Iw - 1 - offset, Sw) + 1);
        return (lo, hi);
    }

    /// <summary>⌊a / b⌋ for b &gt; 0.</summary>
    public static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>⌈a / b⌉ for b &gt; 0.</summary>
    public static int CeilDiv(int a, int b) => -FloorDiv(-a, b);
}
