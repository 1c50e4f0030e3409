namespace TokenVision.Tensors;

/// <summary>Thread-local switch for gradient recording.</summary>
public static class Grad
{
    [ThreadStatic]
    private static int t_disabled;

    /// <summary>True when operations on this thread record the autograd graph.</summary>
    public static bool IsEnabled => t_disabled == 0;

    /// <summary>Stops recording on this thread until the returned scope is disposed (inference, optimizer steps).</summary>
    public static DisabledScope Disabled()
    {
        t_disabled++;
        return default;
    }

    /// <summary>Re-enables recording when disposed.</summary>
    public readonly struct DisabledScope : IDisposable
    {
        /// <summary>Ends the no-grad region.</summary>
        public void Dispose() => t_disabled--;
    }
}
