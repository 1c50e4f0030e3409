namespace TokenVision.IO.Weights;

/// <summary>Sizes and file-format names of <see cref="WeightDType"/>.</summary>
public static class WeightDTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ItemSize(this WeightDType dtype) => dtype switch
    {
        WeightDType.F64 or WeightDType.I64 or WeightDType.U64 => 8,
        WeightDType.F32 or WeightDType.I32 or WeightDType.U32 => 4,
        WeightDType.F16 or WeightDType.BF16 or WeightDType.I16 or WeightDType.U16 => 2,
        WeightDType.I8 or WeightDType.U8 or WeightDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>True for <c>F32</c>, <c>F16</c>, <c>BF16</c> and <c>F64</c>.</summary>
    public static bool IsFloatingPoint(this WeightDType dtype) =>
        dtype is WeightDType.F32 or WeightDType.F16 or WeightDType.BF16 or WeightDType.F64;

    /// <summary>The name safetensors uses in its header, e.g. <c>F32</c>, <c>BF16</c>, <c>BOOL</c>.</summary>
    public static string SafetensorsName(this WeightDType dtype) => dtype switch
    {
        WeightDType.Bool => "BOOL",
        WeightDType.F32 or WeightDType.F16 or WeightDType.BF16 or WeightDType.F64 or WeightDType.I64 or WeightDType.I32
            or WeightDType.I16 or WeightDType.I8 or WeightDType.U8 or WeightDType.U16 or WeightDType.U32 or WeightDType.U64
            => dtype.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>Parses a safetensors dtype name (case-sensitive, as the spec writes them); false for unknown names such as <c>F8_E4M3</c>.</summary>
    public static bool TryParseSafetensorsName(string name, out WeightDType dtype)
    {
        switch (name)
        {
            case "F32": dtype = WeightDType.F32; return true;
            case "F16": dtype = WeightDType.F16; return true;
            case "BF16": dtype = WeightDType.BF16; return true;
            case "F64": dtype = WeightDType.F64; return true;
            case "I64": dtype = WeightDType.I64; return true;
            case "I32": dtype = WeightDType.I32; return true;
            case "I16": dtype = WeightDType.I16; return true;
            case "I8": dtype = WeightDType.I8; return true;
            case "U8": dtype = WeightDType.U8; return true;
            case "BOOL": dtype = WeightDType.Bool; return true;
            case "U16": dtype = WeightDType.U16; return true;
            case "U32": dtype = WeightDType.U32; return true;
            case "U64": dtype = WeightDType.U64; return true;
            default: dtype = default; return false;
        }
    }
}
