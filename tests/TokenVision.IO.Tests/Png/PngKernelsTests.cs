using System.Text;
using TokenVision.IO.Png;
using Xunit;

namespace TokenVision.IO.Tests.Png;

public sealed class PngKernelsTests
{
    public static TheoryData<int, int> FiltersAndStrides()
    {
        var data = new TheoryData<int, int>();
        for (var filter = 0; filter <= 4; filter++)
        {
            foreach (var bpp in new[] { 1, 2, 3, 4, 6, 8 })
                data.Add(filter, bpp);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FiltersAndStrides))]
    public void Unfilter_MatchesTheScalarReference_AtEveryLength(int filter, int bpp)
    {
        var random = new Random(filter * 10 + bpp);
        for (var n = 0; n <= 3 * 16 + 8; n++)
        {
            var src = new byte[n];
            var prev = new byte[n];
            random.NextBytes(src);
            random.NextBytes(prev);
            var expected = new byte[n];
            PngFilter.Unfilter(filter, src, expected, prev, bpp);

            var separate = new byte[n];
            PngKernels.Unfilter(filter, src, separate, prev, bpp);
            var inPlace = (byte[])src.Clone();
            PngKernels.Unfilter(filter, inPlace, inPlace, prev, bpp);

            Assert.Equal(expected, separate);
            Assert.Equal(expected, inPlace);
        }
    }

    [Theory]
    [MemberData(nameof(FiltersAndStrides))]
    public void Filter_AndCost_MatchTheScalarReference_AtEveryLength(int filter, int bpp)
    {
        var random = new Random(500 + filter * 10 + bpp);
        for (var n = 0; n <= 3 * 16 + 8; n++)
        {
            var cur = new byte[n];
            var prev = new byte[n];
            random.NextBytes(cur);
            random.NextBytes(prev);
            var expected = new byte[n];
            PngFilter.Apply(filter, cur, prev, expected, bpp);

            var actual = new byte[n];
            PngKernels.Filter(filter, cur, prev, actual, bpp);

            Assert.Equal(expected, actual);
            Assert.Equal(PngFilter.SumOfAbsoluteDifferences(expected), PngKernels.SumOfAbsoluteValues(expected));
        }
    }

    [Theory]
    [MemberData(nameof(FiltersAndStrides))]
    public void Unfilter_InvertsApply_OnLongRows(int filter, int bpp)
    {
        var random = new Random(99 + filter * 10 + bpp);
        var cur = new byte[bpp * 1000];
        var prev = new byte[cur.Length];
        random.NextBytes(cur);
        random.NextBytes(prev);
        var filtered = new byte[cur.Length];
        PngFilter.Apply(filter, cur, prev, filtered, bpp);

        PngKernels.Unfilter(filter, filtered, filtered, prev, bpp);

        Assert.Equal(cur, filtered);
    }

    [Fact]
    public void Adler32_MatchesTheScalarReference()
    {
        var random = new Random(5);
        for (var n = 0; n <= 300; n++)
        {
            var data = new byte[n];
            random.NextBytes(data);
            Assert.Equal(PngAdler32.ComputeScalar(data), PngAdler32.Compute(data));
        }
        var large = new byte[(1 << 20) + 13];
        random.NextBytes(large);
        Assert.Equal(PngAdler32.ComputeScalar(large), PngAdler32.Compute(large));
        Array.Fill(large, (byte)0xFF);
        Assert.Equal(PngAdler32.ComputeScalar(large), PngAdler32.Compute(large));
        Assert.Equal(0x11E60398u, PngAdler32.Compute("Wikipedia"u8));
    }

    [Fact]
    public void Crc32_MatchesTheScalarReferenceAndTheCheckValue()
    {
        var random = new Random(6);
        for (var n = 0; n <= 300; n++)
        {
            var data = new byte[n];
            random.NextBytes(data);
            Assert.Equal(PngCrc32.UpdateScalar(0xFFFFFFFF, data), PngCrc32.Update(0xFFFFFFFF, data));
            Assert.Equal(PngTestFile.Crc(data), PngCrc32.Compute(data));
        }
        var large = new byte[(1 << 20) + 7];
        random.NextBytes(large);
        Assert.Equal(~PngCrc32.UpdateScalar(0xFFFFFFFF, large), PngCrc32.Compute(large));
        Assert.Equal(0xCBF43926u, PngCrc32.Compute(Encoding.ASCII.GetBytes("123456789")));
    }
}
