using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TokenVision.IO.Weights;

/// <summary>Widening conversions from stored little-endian element bytes to float32 and int64.</summary>
internal static class ElementConversion
{
    /// <summary>Converts <paramref name="source"/> (elements of <paramref name="dtype"/>) to float32.</summary>
    /// <remarks>F16 and BF16 widen exactly; F64 rounds to nearest even (overflow gives infinity).</remarks>
    public static void ToFloat32(WeightDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case WeightDType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case WeightDType.F16:
                var halves = MemoryMarshal.Cast<byte, ushort>(source);
                for (var i = 0; i < halves.Length; i++)
                    destination[i] = HalfToSingle(halves[i]);
                break;
            case WeightDType.BF16:
                var brains = MemoryMarshal.Cast<byte, ushort>(source);
                for (var i = 0; i < brains.Length; i++)
                    destination[i] = BitConverter.UInt32BitsToSingle((uint)brains[i] << 16);
                break;
            case WeightDType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (var i = 0; i < doubles.Length; i++)
                    destination[i] = (float)doubles[i];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating-point dtype");
        }
    }

    /// <summary>Converts <paramref name="source"/> (elements of an integer or bool <paramref name="dtype"/>) to int64; returns the index of the first U64 value above <see cref="long.MaxValue"/>, or -1.</summary>
    public static long ToInt64(WeightDType dtype, ReadOnlySpan<byte> source, Span<long> destination)
    {
        switch (dtype)
        {
            case WeightDType.I64:
                MemoryMarshal.Cast<byte, long>(source).CopyTo(destination);
                break;
            case WeightDType.I32:
                var ints = MemoryMarshal.Cast<byte, int>(source);
                for (var i = 0; i < ints.Length; i++)
                    destination[i] = ints[i];
                break;
            case WeightDType.I16:
                var shorts = MemoryMarshal.Cast<byte, short>(source);
                for (var i = 0; i < shorts.Length; i++)
                    destination[i] = shorts[i];
                break;
            case WeightDType.I8:
                for (var i = 0; i < source.Length; i++)
                    destination[i] = (sbyte)source[i];
                break;
            case WeightDType.U8 or WeightDType.Bool:
                for (var i = 0; i < source.Length; i++)
                    destination[i] = source[i];
                break;
            case WeightDType.U16:
                var ushorts = MemoryMarshal.Cast<byte, ushort>(source);
                for (var i = 0; i < ushorts.Length; i++)
                    destination[i] = ushorts[i];
                break;
            case WeightDType.U32:
                var uints = MemoryMarshal.Cast<byte, uint>(source);
                for (var i = 0; i < uints.Length; i++)
                    destination[i] = uints[i];
                break;
            case WeightDType.U64:
                var ulongs = MemoryMarshal.Cast<byte, ulong>(source);
                for (var i = 0; i < ulongs.Length; i++)
                {
                    if (ulongs[i] > long.MaxValue)
                        return i;
                    destination[i] = (long)ulongs[i];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not an integer dtype");
        }
        return -1;
    }

    /// <summary>IEEE 754 binary16 to binary32, exact: normals rebias the exponent, subnormals scale by 2^-24, inf/NaN keep the payload.</summary>
    public static float HalfToSingle(ushort bits)
    {
        var sign = (uint)(bits & 0x8000) << 16;
        var exponent = (bits >> 10) & 0x1F;
        var mantissa = (uint)(bits & 0x3FF);
        if (exponent == 0x1F)
            return BitConverter.UInt32BitsToSingle(sign | 0x7F800000u | (mantissa << 13));
        if (exponent != 0)
            return BitConverter.UInt32BitsToSingle(sign | ((uint)(exponent + 112) << 23) | (mantissa << 13));
        // Zero or subnormal: mantissa * 2^-24 is exact in float32.
        var magnitude = mantissa * (1f / 16777216f);
        return sign != 0 ? -magnitude : magnitude;
    }

    /// <summary>Reads a little-endian element count as stored by the legacy PyTorch format.</summary>
    public static long ReadInt64(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadInt64LittleEndian(bytes);
}
