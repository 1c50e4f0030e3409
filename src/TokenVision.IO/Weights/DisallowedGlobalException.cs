namespace TokenVision.IO.Weights;

/// <summary>
/// A pickle in a PyTorch checkpoint references a Python global outside the allow-list (for example <c>os.system</c>,
/// <c>builtins.eval</c> or a training script's own class); the checkpoint is refused when the reference is read, before it is used.
/// </summary>
public sealed class DisallowedGlobalException : WeightFormatException
{
    /// <summary>Creates the error for the global <paramref name="module"/>.<paramref name="name"/> found in <paramref name="file"/>.</summary>
    public DisallowedGlobalException(string file, string module, string name)
        : base(file, null, $"refused pickle global '{module}.{name}': only tensor, storage and plain-data globals are allowed (nothing in a checkpoint is executed)")
    {
        Module = module;
        Name = name;
    }

    /// <summary>Python module of the refused global, e.g. <c>os</c>.</summary>
    public string Module { get; }

    /// <summary>Qualified name of the refused global inside its module, e.g. <c>system</c>.</summary>
    public string Name { get; }
}
