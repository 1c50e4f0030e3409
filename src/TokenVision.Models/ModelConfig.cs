namespace TokenVision.Models;

/// <summary>Settings every registered architecture shares. Property names are timm's keyword arguments in PascalCase.</summary>
public abstract record ModelConfig
{
    /// <summary>Classifier outputs (0 for no head).</summary>
    public int NumClasses { get; init; } = 1000;

    /// <summary>Input channels.</summary>
    public int InChans { get; init; } = 3;

    /// <summary>Seed of the generator that initialises the weights and drives dropout and drop-path.</summary>
    public ulong Seed { get; init; }
}
