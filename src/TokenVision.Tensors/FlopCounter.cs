namespace TokenVision.Tensors;

/// <summary>
/// Counts the multiply-adds of matrix products, linear layers, convolutions and attention run on this thread
/// while the counter is open — the convention of fvcore and timm's published GFLOPs (one fused multiply-add
/// counts once; elementwise work is not counted).
/// </summary>
public sealed class FlopCounter : IDisposable
{
    [ThreadStatic]
    private static FlopCounter? t_current;

    private readonly FlopCounter? _parent;
    private bool _disposed;

    private FlopCounter(FlopCounter? parent) => _parent = parent;

    /// <summary>Starts counting on the calling thread.</summary>
    public static FlopCounter Begin()
    {
        var counter = new FlopCounter(t_current);
        t_current = counter;
        return counter;
    }

    /// <summary>Multiply-adds counted so far.</summary>
    public long MultiplyAdds { get; private set; }

    /// <summary>Multiply-adds in units of 10⁹ (what model tables call GFLOPs).</summary>
    public double GigaMultiplyAdds => MultiplyAdds / 1e9;

    internal static void Add(long multiplyAdds)
    {
        for (var c = t_current; c is not null; c = c._parent)
            c.MultiplyAdds += multiplyAdds;
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
