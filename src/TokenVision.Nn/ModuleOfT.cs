namespace TokenVision.Nn;

/// <summary>A module with a typed forward pass.</summary>
/// <typeparam name="TIn">Input type, usually a tensor.</typeparam>
/// <typeparam name="TOut">Output type, usually a tensor.</typeparam>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>Computes the output for <paramref name="input"/>; never disposes the input.</summary>
    public abstract TOut Forward(TIn input);
}
