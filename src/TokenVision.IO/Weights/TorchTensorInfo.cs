namespace TokenVision.IO.Weights;

/// <summary>
/// A tensor rebuilt (as a description only) from <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)</c>:
/// a strided view of <see cref="Storage"/>. A view never has more elements than the storage span it covers (checked when the
/// checkpoint is read, so expanded stride-0 views are refused).
/// </summary>
/// <param name="Storage">The storage holding the elements.</param>
/// <param name="StorageOffset">Offset of the first element, in elements.</param>
/// <param name="Shape">Sizes, outermost first. Do not mutate.</param>
/// <param name="Strides">Strides in elements, one per dimension. Do not mutate.</param>
/// <param name="RequiresGrad">The saved <c>requires_grad</c> flag.</param>
/// <param name="IsParameter">True when saved as an <c>nn.Parameter</c> (<c>_rebuild_parameter</c>).</param>
public sealed record TorchTensorInfo(TorchStorageInfo Storage, long StorageOffset, long[] Shape, long[] Strides, bool RequiresGrad, bool IsParameter)
{
    /// <summary>Element type (that of the storage).</summary>
    public WeightDType DType => Storage.DType;

    /// <summary>Number of elements (product of <see cref="Shape"/>).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var s in Shape)
                n *= s;
            return n;
        }
    }

    /// <summary>True when the elements are stored row-major without gaps (size-1 dimensions may have any stride).</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (var i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] == 0)
                    return true;
                if (Shape[i] != 1 && Strides[i] != expected)
                    return false;
                expected *= Shape[i];
            }
            return true;
        }
    }

    /// <summary>Returns e.g. <c>F32 [4, 6] stride [6, 1] @ storage 0 + 0</c>.</summary>
    public override string ToString() =>
        $"{DType.SafetensorsName()} {TensorEntry.FormatShape(Shape)} stride {TensorEntry.FormatShape(Strides)} @ storage {Storage.Key} + {StorageOffset}";
}
