using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TokenVision.IO.Npy;

/// <summary>
/// An n-dimensional array as a <c>.npy</c> file holds it: element type, C-order shape and the raw
/// little-endian element bytes. Typed views are copies made by the <c>To*</c> accessors.
/// </summary>
public sealed class NpyArray
{
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied): <c>product(shape) * ElementSize(dtype)</c> little-endian bytes in C order.</summary>
    /// <param name="dtype">Element type.</param>
    /// <param name="shape">Dimensions, outermost first; empty for a 0-d (scalar) array. Copied.</param>
    /// <param name="data">Element bytes, little-endian, C order.</param>
    public NpyArray(NpyDType dtype, int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (!Enum.IsDefined(dtype))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        var count = ElementCount(shape) ?? throw new ArgumentException($"shape ({string.Join(", ", shape)}) is negative or too large", nameof(shape));
        if (count * ElementSize(dtype) != data.Length)
            throw new ArgumentException($"{data.Length} data bytes do not hold a {dtype} array of shape ({string.Join(", ", shape)}): need {count * ElementSize(dtype)}", nameof(data));
        DType = dtype;
        _shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>Element type.</summary>
    public NpyDType DType { get; }

    /// <summary>Dimensions, outermost first (a copy); empty for a 0-d array.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>Number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a 0-d array).</summary>
    public int Length => Data.Length / ElementSize(DType);

    /// <summary>Raw element bytes, little-endian, C order (not a copy).</summary>
    public byte[] Data { get; }

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(NpyDType dtype) => dtype switch
    {
        NpyDType.Float64 or NpyDType.Int64 => 8,
        NpyDType.Float32 or NpyDType.Int32 => 4,
        NpyDType.UInt16 => 2,
        NpyDType.UInt8 or NpyDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>A float32 array over a copy of <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromFloat32(float[] values, int[]? shape = null) => From(NpyDType.Float32, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>A float64 array over a copy of <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromFloat64(double[] values, int[]? shape = null) => From(NpyDType.Float64, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>An int64 array over a copy of <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromInt64(long[] values, int[]? shape = null) => From(NpyDType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>An int32 array over a copy of <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromInt32(int[] values, int[]? shape = null) => From(NpyDType.Int32, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>A uint8 array over a copy of <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromUInt8(byte[] values, int[]? shape = null) => From(NpyDType.UInt8, values, values.Length, shape);

    /// <summary>A uint16 array over a copy of <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromUInt16(ushort[] values, int[]? shape = null) => From(NpyDType.UInt16, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>A bool array (one byte per element, 0 or 1) from <paramref name="values"/>; <paramref name="shape"/> defaults to 1-d.</summary>
    public static NpyArray FromBool(bool[] values, int[]? shape = null)
    {
        var bytes = new byte[values.Length];
        for (var i = 0; i < values.Length; i++)
            bytes[i] = values[i] ? (byte)1 : (byte)0;
        return new NpyArray(NpyDType.Bool, shape ?? [values.Length], bytes);
    }

    /// <summary>The elements as float32, converted from any dtype (bool gives 0 or 1).</summary>
    public float[] ToFloat32()
    {
        if (DType == NpyDType.Float32 && BitConverter.IsLittleEndian)
            return MemoryMarshal.Cast<byte, float>(Data).ToArray();
        var d = Data.AsSpan();
        var r = new float[Length];
        for (var i = 0; i < r.Length; i++)
        {
            r[i] = DType switch
            {
                NpyDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(d[(4 * i)..]),
                NpyDType.Float64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(d[(8 * i)..]),
                _ => IntegerAt(d, i),
            };
        }
        return r;
    }

    /// <summary>The elements as float64, converted from any dtype (bool gives 0 or 1).</summary>
    public double[] ToFloat64()
    {
        if (DType == NpyDType.Float64 && BitConverter.IsLittleEndian)
            return MemoryMarshal.Cast<byte, double>(Data).ToArray();
        var d = Data.AsSpan();
        var r = new double[Length];
        for (var i = 0; i < r.Length; i++)
        {
            r[i] = DType switch
            {
                NpyDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(d[(4 * i)..]),
                NpyDType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(d[(8 * i)..]),
                _ => IntegerAt(d, i),
            };
        }
        return r;
    }

    /// <summary>The elements as int64; accepts int64, int32, uint16, uint8 and bool (lossless widening only).</summary>
    /// <exception cref="InvalidOperationException">The dtype is floating point.</exception>
    public long[] ToInt64()
    {
        RequireWidening(nameof(ToInt64), NpyDType.Int64, NpyDType.Int32, NpyDType.UInt16, NpyDType.UInt8, NpyDType.Bool);
        return ConvertIntegers(static v => v);
    }

    /// <summary>The elements as int32; accepts int32, uint16, uint8 and bool (lossless widening only).</summary>
    /// <exception cref="InvalidOperationException">The dtype is floating point or int64.</exception>
    public int[] ToInt32()
    {
        RequireWidening(nameof(ToInt32), NpyDType.Int32, NpyDType.UInt16, NpyDType.UInt8, NpyDType.Bool);
        return ConvertIntegers(static v => (int)v);
    }

    /// <summary>The elements as uint16; accepts uint16, uint8 and bool (lossless widening only).</summary>
    /// <exception cref="InvalidOperationException">The dtype cannot be widened to uint16.</exception>
    public ushort[] ToUInt16()
    {
        RequireWidening(nameof(ToUInt16), NpyDType.UInt16, NpyDType.UInt8, NpyDType.Bool);
        return ConvertIntegers(static v => (ushort)v);
    }

    /// <summary>The elements as bytes; accepts uint8 and bool.</summary>
    /// <exception cref="InvalidOperationException">The dtype is wider than one byte.</exception>
    public byte[] ToUInt8()
    {
        RequireWidening(nameof(ToUInt8), NpyDType.UInt8, NpyDType.Bool);
        return DType == NpyDType.UInt8 ? (byte[])Data.Clone() : ConvertIntegers(static v => (byte)v);
    }

    /// <summary>The elements as booleans (any non-zero byte is true); accepts bool only.</summary>
    /// <exception cref="InvalidOperationException">The dtype is not bool.</exception>
    public bool[] ToBool()
    {
        RequireWidening(nameof(ToBool), NpyDType.Bool);
        return ConvertIntegers(static v => v != 0);
    }

    /// <summary>Reverses the byte order of every <paramref name="elementSize"/>-byte element of <paramref name="data"/> in place.</summary>
    internal static void ReverseElementBytes(Span<byte> data, int elementSize)
    {
        switch (elementSize)
        {
            case 2:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(data), MemoryMarshal.Cast<byte, ushort>(data));
                break;
            case 4:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(data), MemoryMarshal.Cast<byte, uint>(data));
                break;
            case 8:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(data), MemoryMarshal.Cast<byte, ulong>(data));
                break;
        }
    }

    /// <summary>The number of elements of <paramref name="shape"/>, or null when a dimension is negative or the byte size cannot fit one array.</summary>
    internal static long? ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
                return null;
            count *= dim;
            if (count > Array.MaxLength)
                return null;
        }
        return count;
    }

    private static NpyArray From(NpyDType dtype, ReadOnlySpan<byte> hostBytes, int count, int[]? shape)
    {
        var bytes = hostBytes.ToArray();
        if (!BitConverter.IsLittleEndian)
            ReverseElementBytes(bytes, ElementSize(dtype));
        return new NpyArray(dtype, shape ?? [count], bytes);
    }

    private T[] ConvertIntegers<T>(Func<long, T> convert)
    {
        var d = Data.AsSpan();
        var r = new T[Length];
        for (var i = 0; i < r.Length; i++)
            r[i] = convert(IntegerAt(d, i));
        return r;
    }

    private long IntegerAt(ReadOnlySpan<byte> d, int i) => DType switch
    {
        NpyDType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(d[(8 * i)..]),
        NpyDType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(d[(4 * i)..]),
        NpyDType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(d[(2 * i)..]),
        NpyDType.UInt8 => d[i],
        NpyDType.Bool => d[i] != 0 ? 1 : 0,
        _ => throw new InvalidOperationException($"{DType} is not an integer dtype"),
    };

    private void RequireWidening(string accessor, params ReadOnlySpan<NpyDType> accepted)
    {
        if (!accepted.Contains(DType))
            throw new InvalidOperationException($"{accessor} cannot convert a {DType} array without loss; accepted dtypes: {string.Join(", ", accepted.ToArray())}");
    }
}
