namespace TokenVision.Tensors;

/// <summary>
/// Deterministic release of temporaries: every tensor created on this thread while the scope is the innermost
/// one is disposed when the scope is disposed, unless it was handed out with <see cref="MoveToOuter"/> or
/// <see cref="Detach(Tensor)"/>. Storage goes back to the pool, so a training step allocates nothing new after
/// the first few steps.
/// </summary>
/// <example>
/// <code>
/// using (var step = TensorScope.Begin())
/// {
///     var loss = Functional.CrossEntropy(model.Forward(x), y);
///     loss.Backward();
///     optimizer.Step();
/// }   // activations, saved tensors and intermediate gradients return to the pool here
/// </code>
/// </example>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? t_current;

    [ThreadStatic]
    private static int t_suspended;

    private readonly TensorScope? _parent;
    private readonly int _threadId;
    private Tensor?[] _items = new Tensor?[64];
    private int _count;
    private int _live;
    private bool _disposed;

    private TensorScope(TensorScope? parent)
    {
        _parent = parent;
        _threadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>Opens a scope on the calling thread; dispose it to release what was created inside.</summary>
    public static TensorScope Begin()
    {
        var scope = new TensorScope(t_current);
        t_current = scope;
        return scope;
    }

    /// <summary>The innermost open scope on this thread, if any.</summary>
    public static TensorScope? Current => t_current;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _live;

    /// <summary>
    /// While the returned handle is alive, tensors created on this thread belong to no scope (for state that
    /// outlives a step: gradients of parameters, optimizer moments, running statistics).
    /// </summary>
    public static SuspendHandle Suspend()
    {
        t_suspended++;
        return default;
    }

    /// <summary>Ends a <see cref="Suspend"/> region.</summary>
    public readonly struct SuspendHandle : IDisposable
    {
        /// <summary>Ends the region.</summary>
        public void Dispose() => t_suspended--;
    }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope (or to the caller when there is none).</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        if (tensor.Scope == this)
        {
            Forget(tensor);
            _parent?.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Removes <paramref name="tensor"/> from whatever scope owns it; the caller now disposes it.</summary>
    public static Tensor Detach(Tensor tensor)
    {
        tensor.Scope?.Forget(tensor);
        return tensor;
    }

    internal static void Register(Tensor tensor)
    {
        var scope = t_current;
        if (scope is null || t_suspended > 0)
            return;
        scope.Add(tensor);
    }

    private void Add(Tensor tensor)
    {
        if (_disposed)
            return;
        if (_count == _items.Length)
            Grow();
        tensor.Scope = this;
        tensor.ScopeIndex = _count;
        _items[_count++] = tensor;
        _live++;
    }

    internal void Forget(Tensor tensor)
    {
        var i = tensor.ScopeIndex;
        if (i < _count && ReferenceEquals(_items[i], tensor))
        {
            _items[i] = null;
            _live--;
        }
        tensor.Scope = null;
    }

    private void Grow()
    {
        if (_live < _count / 2)
        {
            // Compact: most tensors were disposed already.
            var j = 0;
            for (var i = 0; i < _count; i++)
            {
                if (_items[i] is { } t)
                {
                    t.ScopeIndex = j;
                    _items[j++] = t;
                }
            }
            Array.Clear(_items, j, _count - j);
            _count = j;
            return;
        }
        Array.Resize(ref _items, _items.Length * 2);
    }

    /// <summary>Disposes every tensor still owned by the scope and closes it.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("a TensorScope must be disposed on the thread that began it");
        if (t_current != this)
            throw new InvalidOperationException("TensorScopes must be disposed in the reverse order they were begun");
        for (var i = _count - 1; i >= 0; i--)
        {
            if (_items[i] is { } t)
            {
                t.Scope = null;
                t.Dispose();
            }
        }
        _items = [];
        _count = 0;
        _live = 0;
        _disposed = true;
        t_current = _parent;
    }
}
