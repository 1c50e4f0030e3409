namespace TokenVision.Tensors;

/// <summary>
/// A thread-local scope in which filled tensors (<see cref="Tensor.Zeros(ReadOnlySpan{int})"/>, <c>Ones</c>,
/// <c>Full</c>) get storage that is allocated only when first read or written, and in which weight initialisation
/// is skipped. Building a model inside it and then loading a checkpoint with <c>Set_</c> (zero-copy) allocates
/// nothing for the parameters it replaces; anything the model computes at construction (index tables, masks) is
/// still materialised when written.
/// </summary>
public static class DeferredAllocation
{
    [ThreadStatic]
    private static int t_depth;

    /// <summary>True inside a <see cref="Begin"/> scope on this thread.</summary>
    public static bool IsActive => t_depth > 0;

    /// <summary>Starts deferring allocation on this thread until the returned scope is disposed.</summary>
    public static Scope Begin()
    {
        t_depth++;
        return default;
    }

    /// <summary>Ends the deferral when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <summary>Ends the deferral.</summary>
        public void Dispose() => t_depth--;
    }
}
