namespace TokenVision.Tensors;

/// <summary>
/// Counts the multiply-adds of matrix products, linear layers, convolutions and attention run on this thread
/// while the counter is open — the convention of fvcore and timm's published GFLOPs (one fused multiply-add
/// counts once; elementwise work is not counted). A counter begun with <c>skipProducts</c> counts a model's cost
/// without paying it: the counted products are not computed and their outputs are zero.
/// </summary>
public sealed class FlopCounter : IDisposable
{
    [ThreadStatic]
    private static FlopCounter? t_current;

    private readonly FlopCounter? _parent;
    private readonly bool _skipProducts;
    private bool _disposed;

    private FlopCounter(FlopCounter? parent, bool skipProducts) => (_parent, _skipProducts) = (parent, skipProducts);

    /// <summary>Starts counting on the calling thread.</summary>
    /// <param name="skipProducts">
    /// Count only: matrix products, linear layers, convolutions and attention write zeros instead of computing (no
    /// bias either; their weights are not even read), so a model's cost is counted in a fraction of the time of
    /// running it.
    /// </param>
    public static FlopCounter Begin(bool skipProducts = false)
    {
        var counter = new FlopCounter(t_current, skipProducts);
        t_current = counter;
        return counter;
    }

    /// <summary>Multiply-adds counted so far.</summary>
    public long MultiplyAdds { get; private set; }

    /// <summary>Multiply-adds in units of 10⁹ (what model tables call GFLOPs).</summary>
    public double GigaMultiplyAdds => MultiplyAdds / 1e9;

    /// <summary>Counts a product; false when an open counter skips products (the caller then writes zeros).</summary>
    internal static bool Add(long multiplyAdds)
    {
        var compute = true;
        for (var c = t_current; c is not null; c = c._parent)
        {
            c.MultiplyAdds += multiplyAdds;
            compute &= !c._skipProducts;
        }
        return compute;
    }

    /// <summary>Stops counting.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (t_current == this)
            t_current = _parent;
    }
}
