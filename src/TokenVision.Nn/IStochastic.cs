using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>A module that draws random numbers in training (dropout, drop-path).</summary>
public interface IStochastic
{
    /// <summary>The generator used in training mode.</summary>
    Generator Generator { get; set; }
}
