namespace TokenVision.Nn;

/// <summary>A state dict did not fit a module; the message lists every missing, unexpected and mis-shaped key.</summary>
public sealed class StateDictException : Exception
{
    /// <summary>Creates the error for <paramref name="modelName"/>.</summary>
    public StateDictException(StateDictReport report, string modelName)
        : base($"state dict does not match {modelName}:{Environment.NewLine}{report}")
    {
        Report = report;
    }

    /// <summary>The keys that did not match.</summary>
    public StateDictReport Report { get; }
}
