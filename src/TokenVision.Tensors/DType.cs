namespace TokenVision.Tensors;

/// <summary>Element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float: activations, weights and gradients.</summary>
    Float32,
    /// <summary>64-bit signed integer: indices and labels.</summary>
    Int64,
    /// <summary>Boolean stored as one byte (0 or 1): masks.</summary>
    Bool,
}
