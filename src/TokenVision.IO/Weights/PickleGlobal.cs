namespace TokenVision.IO.Weights;

/// <summary>What an allowed pickle global does when called; anything not listed here is refused.</summary>
internal enum PickleGlobalKind
{
    /// <summary><c>collections.OrderedDict</c>: an empty or pair-initialised ordered dict.</summary>
    OrderedDict,
    /// <summary><c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])</c>.</summary>
    RebuildTensorV2,
    /// <summary><c>torch._utils._rebuild_tensor(storage, offset, size, stride)</c>.</summary>
    RebuildTensor,
    /// <summary><c>torch._utils._rebuild_parameter(data, requires_grad, hooks)</c>.</summary>
    RebuildParameter,
    /// <summary><c>torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)</c>.</summary>
    RebuildParameterWithState,
    /// <summary>A storage class (<c>torch.FloatStorage</c>, <c>torch.UntypedStorage</c>, ...): only valid inside a persistent id.</summary>
    Storage,
    /// <summary><c>torch.Size(tuple)</c>: a tuple of ints.</summary>
    TorchSize,
    /// <summary><c>torch.device(type[, index])</c>: a device string.</summary>
    TorchDevice,
    /// <summary><c>torch.serialization._get_layout(name)</c>: a layout name string.</summary>
    GetLayout,
    /// <summary><c>_codecs.encode(text, 'latin1')</c>: how protocol 2 writes <c>bytes</c>.</summary>
    CodecsEncode,
    /// <summary><c>builtins.bytes()</c>: how protocol 2 writes empty <c>bytes</c>.</summary>
    Bytes,
}

/// <summary>A resolved, allow-listed pickle global: the only callables a checkpoint may name.</summary>
internal sealed record PickleGlobal(string Module, string Name, PickleGlobalKind Kind, WeightDType StorageDType = WeightDType.U8)
{
    private static readonly Dictionary<(string Module, string Name), PickleGlobal> s_allowed = Build();

    /// <summary>The allow-listed global <paramref name="module"/>.<paramref name="name"/>, or null when it is not allowed.</summary>
    public static PickleGlobal? Find(string module, string name) => s_allowed.GetValueOrDefault((module, name));

    /// <summary>Returns <c>module.name</c>.</summary>
    public override string ToString() => $"{Module}.{Name}";

    private static Dictionary<(string, string), PickleGlobal> Build()
    {
        var table = new Dictionary<(string, string), PickleGlobal>();
        void Add(string module, string name, PickleGlobalKind kind, WeightDType dtype = WeightDType.U8) =>
            table[(module, name)] = new PickleGlobal(module, name, kind, dtype);

        Add("collections", "OrderedDict", PickleGlobalKind.OrderedDict);
        Add("torch._utils", "_rebuild_tensor_v2", PickleGlobalKind.RebuildTensorV2);
        Add("torch._utils", "_rebuild_tensor", PickleGlobalKind.RebuildTensor);
        Add("torch._utils", "_rebuild_parameter", PickleGlobalKind.RebuildParameter);
        Add("torch._utils", "_rebuild_parameter_with_state", PickleGlobalKind.RebuildParameterWithState);
        Add("torch", "Size", PickleGlobalKind.TorchSize);
        Add("torch", "device", PickleGlobalKind.TorchDevice);
        Add("torch.serialization", "_get_layout", PickleGlobalKind.GetLayout);
        Add("_codecs", "encode", PickleGlobalKind.CodecsEncode);
        Add("builtins", "bytes", PickleGlobalKind.Bytes);
        Add("__builtin__", "bytes", PickleGlobalKind.Bytes);

        (string Name, WeightDType DType)[] storages =
        [
            ("FloatStorage", WeightDType.F32), ("HalfStorage", WeightDType.F16), ("BFloat16Storage", WeightDType.BF16),
            ("DoubleStorage", WeightDType.F64), ("LongStorage", WeightDType.I64), ("IntStorage", WeightDType.I32),
            ("ShortStorage", WeightDType.I16), ("CharStorage", WeightDType.I8), ("ByteStorage", WeightDType.U8),
            ("BoolStorage", WeightDType.Bool),
        ];
        foreach (var (name, dtype) in storages)
        {
            Add("torch", name, PickleGlobalKind.Storage, dtype);
            Add("torch.cuda", name, PickleGlobalKind.Storage, dtype);
        }
        Add("torch", "UntypedStorage", PickleGlobalKind.Storage, WeightDType.U8);
        Add("torch.storage", "UntypedStorage", PickleGlobalKind.Storage, WeightDType.U8);
        return table;
    }
}
