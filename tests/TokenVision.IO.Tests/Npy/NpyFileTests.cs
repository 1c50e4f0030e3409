using System.Buffers.Binary;
using System.Text;
using TokenVision.IO.Npy;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Npy;

public sealed class NpyFileTests
{
    public static TheoryData<NpyDType, int[]> DTypesAndShapes()
    {
        var data = new TheoryData<NpyDType, int[]>();
        int[][] shapes = [[], [0], [1], [7], [2, 3], [0, 3], [3, 0, 2], [1, 1, 1, 5], [4, 3, 2]];
        foreach (var dtype in Enum.GetValues<NpyDType>())
        {
            foreach (var shape in shapes)
                data.Add(dtype, shape);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DTypesAndShapes))]
    public void RoundTrip_Bytes_KeepsDTypeShapeAndData(NpyDType dtype, int[] shape)
    {
        var array = RandomArray(dtype, shape, seed: 7);

        var bytes = NpyFile.ToBytes(array);
        var back = NpyFile.Read(bytes);

        Assert.Equal(dtype, back.DType);
        Assert.Equal(shape, back.Shape);
        Assert.Equal(array.Data, back.Data);
        Assert.Equal(1, bytes[6]);
        Assert.Equal(0, (bytes.Length - array.Data.Length) % 64);
        Assert.Equal((byte)'\n', bytes[bytes.Length - array.Data.Length - 1]);
    }

    [Theory]
    [MemberData(nameof(DTypesAndShapes))]
    public void RoundTrip_File_WritesAtomicallyAndReadsBack(NpyDType dtype, int[] shape)
    {
        var folder = Directory.CreateTempSubdirectory("tv-npy-");
        try
        {
            var path = Path.Combine(folder.FullName, "a.npy");
            File.WriteAllText(path, "old content");
            var array = RandomArray(dtype, shape, seed: 11);

            NpyFile.Write(path, array);
            var back = NpyFile.Read(path);

            Assert.Equal(array.Data, back.Data);
            Assert.Equal(shape, back.Shape);
            Assert.Single(Directory.GetFiles(folder.FullName));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Factories_And_Accessors_RoundTripTypedValues()
    {
        float[] f = [1.5f, -2f, float.MaxValue];
        double[] d = [Math.PI, -1e300];
        long[] l = [long.MinValue, 3];
        int[] i = [int.MaxValue, -5];
        byte[] b = [0, 200, 255];
        ushort[] u = [0, 65535, 1234];
        bool[] z = [true, false, true];

        Assert.Equal(f, NpyArray.FromFloat32(f).ToFloat32());
        Assert.Equal(d, NpyArray.FromFloat64(d).ToFloat64());
        Assert.Equal(l, NpyArray.FromInt64(l).ToInt64());
        Assert.Equal(i, NpyArray.FromInt32(i).ToInt32());
        Assert.Equal(b, NpyArray.FromUInt8(b).ToUInt8());
        Assert.Equal(u, NpyArray.FromUInt16(u).ToUInt16());
        Assert.Equal(z, NpyArray.FromBool(z).ToBool());
        Assert.Equal([200f, 255f], NpyArray.FromUInt8([200, 255]).ToFloat32());
        Assert.Equal([65535f], NpyArray.FromUInt16([65535]).ToFloat32());
        Assert.Equal([1f, 0f], NpyArray.FromBool([true, false]).ToFloat32());
        Assert.Equal([-5f], NpyArray.FromInt64([-5]).ToFloat32());
        Assert.Equal([(float)Math.PI], NpyArray.FromFloat64([Math.PI]).ToFloat32());
        Assert.Equal([1.5], NpyArray.FromFloat32([1.5f]).ToFloat64());
        Assert.Equal([65535L], NpyArray.FromUInt16([65535]).ToInt64());
        Assert.Equal([200], NpyArray.FromUInt8([200]).ToInt32());
        Assert.Equal([(ushort)1], NpyArray.FromBool([true]).ToUInt16());
    }

    [Fact]
    public void Accessors_RefuseLossyConversions()
    {
        Assert.Throws<InvalidOperationException>(() => NpyArray.FromFloat32([1f]).ToUInt8());
        Assert.Throws<InvalidOperationException>(() => NpyArray.FromInt64([1]).ToInt32());
        Assert.Throws<InvalidOperationException>(() => NpyArray.FromUInt16([1]).ToUInt8());
        Assert.Throws<InvalidOperationException>(() => NpyArray.FromUInt8([1]).ToBool());
    }

    [Fact]
    public void Constructor_RejectsDataThatDoesNotMatchTheShape()
    {
        Assert.Throws<ArgumentException>(() => new NpyArray(NpyDType.Float32, [2, 2], new byte[15]));
        Assert.Throws<ArgumentException>(() => new NpyArray(NpyDType.UInt8, [-1], []));
        Assert.Equal(1, new NpyArray(NpyDType.UInt8, [], [9]).Length);
    }

    [Fact]
    public void Write_UsesVersion2_WhenTheHeaderIsTooLongForVersion1()
    {
        var shape = Enumerable.Repeat(1, 25_000).ToArray();
        var array = NpyArray.FromFloat32([42f], shape);

        var bytes = NpyFile.ToBytes(array);
        var back = NpyFile.Read(bytes);

        Assert.Equal(2, bytes[6]);
        Assert.Equal(0, (bytes.Length - 4) % 64);
        Assert.Equal(shape.Length, back.Rank);
        Assert.Equal([42f], back.ToFloat32());
    }

    [Theory]
    [InlineData(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData(1, "{'shape': (2,), 'descr': '<f4', 'fortran_order': False}")]
    [InlineData(1, "{ \"fortran_order\" : False , 'shape':(2 , ) ,'descr':'<f4' , }")]
    [InlineData(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }")]
    public void Read_AcceptsEveryVersionAndDictSpelling(int major, string dict)
    {
        var bytes = Build(major, dict, BytesOf(1.25f, -3f));

        var array = NpyFile.Read(bytes);

        Assert.Equal([1.25f, -3f], array.ToFloat32());
        Assert.Equal([2], array.Shape);
    }

    [Fact]
    public void Read_Version3_DecodesTheHeaderAsUtf8()
    {
        var bytes = Build(3, "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 1), }", [0x34, 0x12]);

        Assert.Equal([(ushort)0x1234], NpyFile.Read(bytes).ToUInt16());
    }

    [Theory]
    [InlineData(">f4", new byte[] { 0x3f, 0xc0, 0, 0 }, 1.5)]
    [InlineData(">f8", new byte[] { 0x3f, 0xf8, 0, 0, 0, 0, 0, 0 }, 1.5)]
    [InlineData(">i8", new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, -2)]
    [InlineData(">i4", new byte[] { 0, 0, 1, 0 }, 256)]
    [InlineData(">u2", new byte[] { 0x12, 0x34 }, 0x1234)]
    [InlineData(">u1", new byte[] { 0x12 }, 0x12)]
    [InlineData("|u1", new byte[] { 0x12 }, 0x12)]
    [InlineData("|b1", new byte[] { 1 }, 1)]
    public void Read_ConvertsBigEndianData(string descr, byte[] data, double expected)
    {
        var bytes = Build(1, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': (), }}", data);

        var array = NpyFile.Read(bytes);

        Assert.Equal(0, array.Rank);
        Assert.Equal([expected], array.ToFloat64());
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "fortran_order")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "'<c8'")]
    [InlineData("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", "'|f4'")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured")]
    [InlineData("{'descr': '<f4', 'shape': (2,), }", "'fortran_order'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "repeats")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "'extra'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", "not a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "non-negative")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "after the header")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "ends inside")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", "too large")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 65536), }", "too large")]
    [InlineData("['descr']", "expected '{'")]
    public void Read_RejectsBadHeaders_NamingTheSource(string dict, string reason)
    {
        var bytes = Build(1, dict, BytesOf(1f, 2f));

        var e = Assert.Throws<NpyFormatException>(() => NpyFile.Read(bytes, "bad.npy"));

        Assert.Equal("bad.npy", e.Source);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith("bad.npy: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsTruncatedAndOverlongData()
    {
        var good = NpyFile.ToBytes(NpyArray.FromInt32([1, 2, 3]));

        Assert.Contains("truncated data", Assert.Throws<NpyFormatException>(() => NpyFile.Read(good.AsSpan(0, good.Length - 1), "t.npy")).Reason, StringComparison.Ordinal);
        Assert.Contains("length mismatch", Assert.Throws<NpyFormatException>(() => NpyFile.Read([.. good, 0], "t.npy")).Reason, StringComparison.Ordinal);
        Assert.Contains("truncated header", Assert.Throws<NpyFormatException>(() => NpyFile.Read(good.AsSpan(0, 40), "t.npy")).Reason, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<NpyFormatException>(() => NpyFile.Read(ReadOnlySpan<byte>.Empty, "t.npy")).Reason, StringComparison.Ordinal);
        Assert.Contains("magic", Assert.Throws<NpyFormatException>(() => NpyFile.Read(Encoding.ASCII.GetBytes("hello, this is text"), "t.npy")).Reason, StringComparison.Ordinal);
        var v4 = (byte[])good.Clone();
        v4[6] = 4;
        Assert.Contains("version 4.0", Assert.Throws<NpyFormatException>(() => NpyFile.Read(v4, "t.npy")).Reason, StringComparison.Ordinal);
        Assert.Throws<NpyFormatException>(() => NpyFile.Read(new MemoryStream(good, 0, good.Length - 2), "t.npy"));
        Assert.Throws<NpyFormatException>(() => NpyFile.Read(new NonSeekableStream(good.AsSpan(0, good.Length - 2).ToArray()), "t.npy"));
    }

    [Fact]
    public void ReadPath_NamesTheFileInErrors()
    {
        var folder = Directory.CreateTempSubdirectory("tv-npy-");
        try
        {
            var path = Path.Combine(folder.FullName, "fortran.npy");
            File.WriteAllBytes(path, Build(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", BytesOf(1f, 2f)));

            var e = Assert.Throws<NpyFormatException>(() => NpyFile.Read(path));

            Assert.Equal(path, e.Source);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadStream_ConsumesExactlyOneArray()
    {
        var stream = new MemoryStream();
        NpyFile.Write(stream, NpyArray.FromUInt8([1, 2, 3], [3, 1]));
        NpyFile.Write(stream, NpyArray.FromFloat64([0.5]));
        stream.Position = 0;
        var nonSeekable = new NonSeekableStream(stream.ToArray());

        foreach (var source in new Stream[] { stream, nonSeekable })
        {
            var a = NpyFile.Read(source);
            var b = NpyFile.Read(source);
            Assert.Equal([3, 1], a.Shape);
            Assert.Equal([1, 2, 3], a.ToUInt8());
            Assert.Equal([0.5], b.ToFloat64());
        }
    }

    [SkippableFact]
    public void Read_EveryFixtureFile_ReadsAndWritesBackByteIdentical()
    {
        var root = Fixtures.Path("");
        var files = Directory.GetFiles(root, "*.npy", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var array = NpyFile.Read(file);
            Assert.Contains(array.DType, new[] { NpyDType.Float32, NpyDType.UInt8, NpyDType.UInt16 });
            Assert.Equal(File.ReadAllBytes(file), NpyFile.ToBytes(array));
            using var stream = File.OpenRead(file);
            Assert.Equal(array.Data, NpyFile.Read(stream, file).Data);
        }
    }

    private static NpyArray RandomArray(NpyDType dtype, int[] shape, int seed)
    {
        var random = new Random(seed);
        var count = shape.Aggregate(1, (a, b) => a * b);
        var data = new byte[count * NpyArray.ElementSize(dtype)];
        random.NextBytes(data);
        if (dtype == NpyDType.Bool)
        {
            for (var i = 0; i < data.Length; i++)
                data[i] &= 1;
        }
        return new NpyArray(dtype, shape, data);
    }

    private static byte[] BytesOf(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>A .npy file with <paramref name="dict"/> as header text, padded the way numpy pads it.</summary>
    private static byte[] Build(int major, string dict, byte[] data)
    {
        var prefix = major == 1 ? 10 : 12;
        var text = Encoding.UTF8.GetBytes(dict);
        var total = (prefix + text.Length + 1 + 63) / 64 * 64;
        var bytes = new byte[total + data.Length];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = (byte)major;
        var headerLength = total - prefix;
        if (major == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
        text.CopyTo(bytes, prefix);
        bytes.AsSpan(prefix + text.Length, headerLength - text.Length - 1).Fill((byte)' ');
        bytes[total - 1] = (byte)'\n';
        data.CopyTo(bytes, total);
        return bytes;
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }
}
