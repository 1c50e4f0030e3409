using System.Runtime.InteropServices;
using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

public sealed class ElementConversionTests
{
    [Fact]
    public void HalfToSingle_IsExactForEveryBitPattern()
    {
        for (var bits = 0; bits <= 0xFFFF; bits++)
        {
            var actual = ElementConversion.HalfToSingle((ushort)bits);
            var exponent = (bits >> 10) & 0x1F;
            var mantissa = bits & 0x3FF;
            var negative = (bits & 0x8000) != 0;
            if (exponent == 0x1F && mantissa != 0)
            {
                // NaN keeps sign and payload: float mantissa = half mantissa << 13.
                var f = BitConverter.SingleToUInt32Bits(actual);
                Assert.True(float.IsNaN(actual), $"0x{bits:X4}");
                Assert.Equal((uint)mantissa << 13, f & 0x7FFFFF);
                Assert.Equal(negative, (f & 0x80000000) != 0);
                continue;
            }
            double expected = exponent switch
            {
                0 => mantissa * Math.Pow(2, -24),
                0x1F => double.PositiveInfinity,
                _ => (1 + mantissa / 1024.0) * Math.Pow(2, exponent - 15),
            };
            expected = negative ? -expected : expected;
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));
            Assert.Equal((float)BitConverter.UInt16BitsToHalf((ushort)bits), actual);
        }
    }

    [Theory]
    [InlineData((ushort)0x0001, 5.960464477539063e-08)]   // smallest subnormal 2^-24
    [InlineData((ushort)0x03FF, 6.097555160522461e-05)]   // largest subnormal
    [InlineData((ushort)0x0400, 6.103515625e-05)]         // smallest normal
    [InlineData((ushort)0x7BFF, 65504.0)]
    [InlineData((ushort)0x3C00, 1.0)]
    [InlineData((ushort)0xC000, -2.0)]
    public void HalfToSingle_KnownValues(ushort bits, double expected) =>
        Assert.Equal((float)expected, ElementConversion.HalfToSingle(bits));

    [Fact]
    public void HalfToSingle_SignedZerosAndInfinities()
    {
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(ElementConversion.HalfToSingle(0x8000)));
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(ElementConversion.HalfToSingle(0x0000)));
        Assert.Equal(float.PositiveInfinity, ElementConversion.HalfToSingle(0x7C00));
        Assert.Equal(float.NegativeInfinity, ElementConversion.HalfToSingle(0xFC00));
    }

    [Fact]
    public void BFloat16_WidensBitExactly()
    {
        ushort[] bits = [0x0000, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0xBF80, 0x7F7F, 0x7F80, 0xFF80, 0x7FC1, 0xFFC0];
        var output = new float[bits.Length];
        ElementConversion.ToFloat32(WeightDType.BF16, MemoryMarshal.AsBytes<ushort>(bits), output);
        for (var i = 0; i < bits.Length; i++)
            Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(output[i]));
        Assert.Equal(1f, output[5]);
        Assert.True(float.IsSubnormal(output[2]));
        Assert.Equal(float.PositiveInfinity, output[8]);
    }

    [Fact]
    public void Double_RoundsToNearestFloat()
    {
        double[] values = [1.0 / 3, 1e40, -1e40, 1e-50, 1.4e-45, double.NaN, 16777217.0, -0.0];
        var output = new float[values.Length];
        ElementConversion.ToFloat32(WeightDType.F64, MemoryMarshal.AsBytes<double>(values), output);
        Assert.Equal((float)(1.0 / 3), output[0]);
        Assert.Equal(float.PositiveInfinity, output[1]);
        Assert.Equal(float.NegativeInfinity, output[2]);
        Assert.Equal(0f, output[3]);
        Assert.Equal(float.Epsilon, output[4]);
        Assert.True(float.IsNaN(output[5]));
        Assert.Equal(16777216f, output[6]); // ties to even
        Assert.True(float.IsNegative(output[7]));
    }

    [Fact]
    public void ReadInt64_AcceptsEveryIntegerDType_AndRefusesFloats()
    {
        using var dir = new TempDir();
        var writer = new SafetensorsWriter();
        writer.Add("i8", WeightDType.I8, [3], [0xFF, 0x7F, 0x80]);
        writer.Add("u8", WeightDType.U8, [2], [0xFF, 0x01]);
        writer.Add("bool", WeightDType.Bool, [2], [1, 0]);
        writer.Add("i16", WeightDType.I16, [2], MemoryMarshal.AsBytes<short>([-300, 300]));
        writer.Add("u16", WeightDType.U16, [1], MemoryMarshal.AsBytes<ushort>([65535]));
        writer.Add("i32", new[] { int.MinValue, 7 }, 2);
        writer.Add("u32", WeightDType.U32, [1], MemoryMarshal.AsBytes<uint>([uint.MaxValue]));
        writer.Add("i64", new[] { long.MinValue, long.MaxValue }, 2);
        writer.Add("u64", WeightDType.U64, [1], MemoryMarshal.AsBytes<ulong>([(ulong)long.MaxValue]));
        writer.Add("u64big", WeightDType.U64, [1], MemoryMarshal.AsBytes<ulong>([ulong.MaxValue]));
        writer.Add("f32", new[] { 1f }, 1);
        var path = dir.File("ints.safetensors");
        writer.Save(path);

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal([-1L, 127, -128], reader.ReadInt64("i8"));
        Assert.Equal([255L, 1], reader.ReadInt64("u8"));
        Assert.Equal([1L, 0], reader.ReadInt64("bool"));
        Assert.Equal([-300L, 300], reader.ReadInt64("i16"));
        Assert.Equal([65535L], reader.ReadInt64("u16"));
        Assert.Equal([(long)int.MinValue, 7], reader.ReadInt64("i32"));
        Assert.Equal([(long)uint.MaxValue], reader.ReadInt64("u32"));
        Assert.Equal([long.MinValue, long.MaxValue], reader.ReadInt64("i64"));
        Assert.Equal([long.MaxValue], reader.ReadInt64("u64"));
        var big = Assert.Throws<WeightFormatException>(() => reader.ReadInt64("u64big"));
        Assert.Equal("u64big", big.Key);
        var floatAsInt = Assert.Throws<WeightFormatException>(() => reader.ReadInt64("f32"));
        Assert.Contains("not an integer dtype", floatAsInt.Message);
        var intAsFloat = Assert.Throws<WeightFormatException>(() => reader.ReadFloat32("i64"));
        Assert.Contains("not a floating-point dtype", intAsFloat.Message);
        Assert.Contains(path, intAsFloat.Message);
    }
}
