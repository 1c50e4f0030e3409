namespace TokenVision.IO.Weights;

/// <summary>Element type of a stored tensor, as named by safetensors (<c>F32</c>, <c>BF16</c>, ...) and PyTorch storages.</summary>
public enum WeightDType
{
    /// <summary>32-bit IEEE float (<c>torch.float32</c>, safetensors <c>F32</c>).</summary>
    F32,
    /// <summary>16-bit IEEE half float (<c>torch.float16</c>, safetensors <c>F16</c>).</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of a float32 (<c>torch.bfloat16</c>, safetensors <c>BF16</c>).</summary>
    BF16,
    /// <summary>64-bit IEEE float (<c>torch.float64</c>, safetensors <c>F64</c>).</summary>
    F64,
    /// <summary>64-bit signed integer (<c>torch.int64</c>, safetensors <c>I64</c>).</summary>
    I64,
    /// <summary>32-bit signed integer (<c>torch.int32</c>, safetensors <c>I32</c>).</summary>
    I32,
    /// <summary>16-bit signed integer (<c>torch.int16</c>, safetensors <c>I16</c>).</summary>
    I16,
    /// <summary>8-bit signed integer (<c>torch.int8</c>, safetensors <c>I8</c>).</summary>
    I8,
    /// <summary>8-bit unsigned integer (<c>torch.uint8</c>, safetensors <c>U8</c>).</summary>
    U8,
    /// <summary>Boolean stored as one byte, 0 or 1 (<c>torch.bool</c>, safetensors <c>BOOL</c>).</summary>
    Bool,
    /// <summary>16-bit unsigned integer (safetensors <c>U16</c>).</summary>
    U16,
    /// <summary>32-bit unsigned integer (safetensors <c>U32</c>).</summary>
    U32,
    /// <summary>64-bit unsigned integer (safetensors <c>U64</c>).</summary>
    U64,
}
