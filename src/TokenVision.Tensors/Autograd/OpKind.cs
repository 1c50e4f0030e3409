namespace TokenVision.Tensors.Autograd;

/// <summary>
/// Every differentiable primitive of the engine. Composite operations (variance, losses, group norm, ...) are
/// built from these, so their gradients follow from this list and the table in <see cref="Derivatives"/>.
/// </summary>
internal enum OpKind
{
    // Views and copies
    View,
    Permute,
    Slice,
    Expand,
    Contiguous,
    // Elementwise binary (with broadcasting)
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    // Elementwise with a scalar
    AddScalar,
    MulScalar,
    PowScalar,
    RSubScalar,
    RDivScalar,
    // Elementwise unary
    Neg,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Abs,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    Gelu,
    GeluTanh,
    Silu,
    Softplus,
    Erf,
    Clamp,
    // Selection
    Where,
    MaskedFill,
    // Reductions
    Sum,
    MaxReduce,
    LogSumExp,
    // Indexing
    IndexSelect,
    Gather,
    Scatter,
    ScatterAdd,
    // Shape
    Cat,
    Roll,
    PadConstant,
    PadReflect,
    // Linear algebra
    MatMul,
    Linear,
    // Convolution and pooling
    Conv,
    MaxPool,
    AvgPool,
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    Interpolate,
    // Normalisation and activations over a dimension
    LayerNorm,
    BatchNorm,
    Softmax,
    LogSoftmax,
    // Attention
    Attention,
}
