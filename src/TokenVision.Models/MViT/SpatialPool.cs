using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>Max or average pooling over the 1 to 3 trailing dimensions of [N, C, *spatial] (torch MaxPoolNd / AvgPoolNd; no parameters).</summary>
public sealed class SpatialPool : Module<Tensor, Tensor>
{
    private readonly int[] _kernel;
    private readonly int[] _stride;
    private readonly int[] _padding;

    /// <summary>Creates the layer; <paramref name="max"/> selects max pooling, else average pooling (padding counted, as torch's default).</summary>
    public SpatialPool(bool max, IReadOnlyList<int> kernel, IReadOnlyList<int> stride, IReadOnlyList<int> padding)
    {
        if (kernel.Count != stride.Count || kernel.Count != padding.Count)
            throw new ArgumentException($"SpatialPool: kernel, stride and padding need the same rank, got {kernel.Count}, {stride.Count}, {padding.Count}");
        IsMax = max;
        _kernel = [.. kernel];
        _stride = [.. stride];
        _padding = [.. padding];
    }

    /// <summary>Max pooling (true) or average pooling (false).</summary>
    public bool IsMax { get; }

    /// <summary>Pooling window per spatial dimension.</summary>
    public IReadOnlyList<int> Kernel => _kernel;

    /// <summary>Step per spatial dimension.</summary>
    public IReadOnlyList<int> Stride => _stride;

    /// <summary>Padding on both sides per spatial dimension.</summary>
    public IReadOnlyList<int> Padding => _padding;

    /// <summary>[N, C, *spatial] → [N, C, ⌊(s + 2p − k) / stride⌋ + 1, ...].</summary>
    public override Tensor Forward(Tensor x) => IsMax
        ? Functional.MaxPoolNd(x, _kernel, _stride, _padding, Enumerable.Repeat(1, _kernel.Length).ToArray())
        : Functional.AvgPoolNd(x, _kernel, _stride, _padding, ceilMode: false, countIncludePad: true, divisorOverride: null);

    /// <summary>MViT's pooled shortcut for a query stride: kernel s + 1 where s &gt; 1 (else 1), padding ⌊kernel / 2⌋, max pooling.</summary>
    public static SpatialPool Shortcut(IReadOnlyList<int> strideQ)
    {
        var kernel = strideQ.Select(s => s > 1 ? s + 1 : s).ToArray();
        return new SpatialPool(max: true, kernel, strideQ, kernel.Select(k => k / 2).ToArray());
    }
}
