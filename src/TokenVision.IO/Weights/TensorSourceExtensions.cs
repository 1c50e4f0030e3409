using TokenVision.Tensors;

namespace TokenVision.IO.Weights;

/// <summary>Turns the entries of a weight file into engine tensors.</summary>
public static class TensorSourceExtensions
{
    /// <summary>
    /// Reads one entry: floating-point dtypes become float32, integer and bool dtypes int64. With
    /// <paramref name="zeroCopy"/>, an aligned contiguous F32 entry becomes a read-only view of the mapped file
    /// (valid while <paramref name="source"/> is not disposed; the tensor keeps the source reachable).
    /// </summary>
    public static Tensor ReadTensor(this ITensorSource source, string name, bool zeroCopy = false)
    {
        var entry = source.GetEntry(name);
        var shape = new int[entry.Shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            if (entry.Shape[i] > int.MaxValue)
                throw new WeightFormatException(source.FilePath, name, $"dimension {entry.Shape[i]} is too large for the engine");
            shape[i] = (int)entry.Shape[i];
        }
        if (entry.DType.IsFloatingPoint())
        {
            if (zeroCopy && entry.DType == WeightDType.F32 && source.TryGetMappedView(name, out var view) && view.IsAligned(sizeof(float)))
                return Tensor.FromExternal(view.Address, DType.Float32, shape, source, readOnly: true);
            return Tensor.FromArray(source.ReadFloat32(name), shape);
        }
        return Tensor.FromArray(source.ReadInt64(name), shape);
    }

    /// <summary>Reads every entry into a name → tensor dictionary (see <see cref="ReadTensor"/>).</summary>
    public static Dictionary<string, Tensor> ReadStateDict(this ITensorSource source, bool zeroCopy = false)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in source.Names)
            result[name] = source.ReadTensor(name, zeroCopy);
        return result;
    }
}
