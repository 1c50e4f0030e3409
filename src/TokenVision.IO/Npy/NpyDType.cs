namespace TokenVision.IO.Npy;

/// <summary>Element type of an <see cref="NpyArray"/>; each maps to one numpy <c>descr</c>.</summary>
public enum NpyDType
{
    /// <summary>32-bit IEEE float, numpy <c>'&lt;f4'</c>.</summary>
    Float32,
    /// <summary>64-bit IEEE float, numpy <c>'&lt;f8'</c>.</summary>
    Float64,
    /// <summary>64-bit signed integer, numpy <c>'&lt;i8'</c>.</summary>
    Int64,
    /// <summary>32-bit signed integer, numpy <c>'&lt;i4'</c>.</summary>
    Int32,
    /// <summary>8-bit unsigned integer, numpy <c>'|u1'</c>.</summary>
    UInt8,
    /// <summary>16-bit unsigned integer, numpy <c>'&lt;u2'</c>.</summary>
    UInt16,
    /// <summary>Boolean stored as one byte (0 or 1), numpy <c>'|b1'</c>.</summary>
    Bool,
}
