namespace TokenVision.IO.Weights;

/// <summary>The format-independent parts of <see cref="ITensorSource"/>: checked copies and dtype conversions over <see cref="ITensorSource.GetBytes"/>.</summary>
internal static class TensorReads
{
    /// <summary>The error for a missing key.</summary>
    public static KeyNotFoundException Missing(string file, string name) => new($"{file}: no tensor named '{name}'");

    /// <summary>Throws unless the entry fits in a span (2 GiB).</summary>
    public static int SpanLength(string file, TensorEntry entry) =>
        entry.ByteLength <= int.MaxValue
            ? (int)entry.ByteLength
            : throw new WeightFormatException(file, entry.Name, $"{entry.ByteLength} bytes ({entry}) do not fit in one span; read it in parts");

    /// <summary>Implements <see cref="ITensorSource.CopyBytes"/>.</summary>
    public static void CopyBytes(ITensorSource source, string name, Span<byte> destination)
    {
        var entry = source.GetEntry(name);
        if (destination.Length != entry.ByteLength)
            throw new ArgumentException($"{source.FilePath}: '{name}' has {entry.ByteLength} bytes ({entry}); destination has {destination.Length}", nameof(destination));
        source.GetBytes(name).CopyTo(destination);
    }

    /// <summary>Implements <see cref="ITensorSource.ReadFloat32(string)"/>.</summary>
    public static float[] ReadFloat32(ITensorSource source, string name)
    {
        var entry = RequireFloat(source, name);
        var result = new float[CheckedCount(source.FilePath, entry)];
        ElementConversion.ToFloat32(entry.DType, source.GetBytes(name), result);
        return result;
    }

    /// <summary>Implements <see cref="ITensorSource.ReadFloat32(string, Span{float})"/>.</summary>
    public static void ReadFloat32(ITensorSource source, string name, Span<float> destination)
    {
        var entry = RequireFloat(source, name);
        if (destination.Length != entry.ElementCount)
            throw new ArgumentException($"{source.FilePath}: '{name}' has {entry.ElementCount} elements ({entry}); destination has {destination.Length}", nameof(destination));
        ElementConversion.ToFloat32(entry.DType, source.GetBytes(name), destination);
    }

    /// <summary>Implements <see cref="ITensorSource.ReadInt64"/>.</summary>
    public static long[] ReadInt64(ITensorSource source, string name)
    {
        var entry = source.GetEntry(name);
        if (entry.DType.IsFloatingPoint())
            throw new WeightFormatException(source.FilePath, name, $"is {entry.DType.SafetensorsName()}, not an integer dtype; use ReadFloat32");
        var result = new long[CheckedCount(source.FilePath, entry)];
        var bad = ElementConversion.ToInt64(entry.DType, source.GetBytes(name), result);
        if (bad >= 0)
            throw new WeightFormatException(source.FilePath, name, $"U64 element {bad} exceeds the int64 range");
        return result;
    }

    private static TensorEntry RequireFloat(ITensorSource source, string name)
    {
        var entry = source.GetEntry(name);
        return entry.DType.IsFloatingPoint()
            ? entry
            : throw new WeightFormatException(source.FilePath, name, $"is {entry.DType.SafetensorsName()}, not a floating-point dtype; use ReadInt64");
    }

    private static int CheckedCount(string file, TensorEntry entry) =>
        entry.ElementCount <= Array.MaxLength && entry.ByteLength <= int.MaxValue
            ? (int)entry.ElementCount
            : throw new WeightFormatException(file, entry.Name, $"{entry} is too large for one array");
}
