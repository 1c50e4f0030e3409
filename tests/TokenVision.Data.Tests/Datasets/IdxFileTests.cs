using System.IO.Compression;
using TokenVision.Data.Datasets;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Data.Tests.Datasets;

public sealed class IdxFileTests
{
    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var ms = new MemoryStream();
        ms.Write([0, 0, type, (byte)dims.Length]);
        foreach (var d in dims)
            ms.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        ms.Write(data);
        return ms.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_RawOrGzip_GivesShapeAndData(bool gzip)
    {
        using var dir = new TempDir();
        var data = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)i).ToArray();
        var raw = Idx(0x08, [2, 3, 4], data);
        var path = dir.File(gzip ? "a.gz" : "a.idx");
        File.WriteAllBytes(path, gzip ? Gzip(raw) : raw);

        var a = IdxFile.Read(path);

        Assert.Equal([2, 3, 4], a.Shape);
        Assert.Equal(data, a.Data);
    }

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "empty", [], "empty" },
        { "magic", [1, 2, 8, 1, 0, 0, 0, 0], "not an IDX file" },
        { "float", Idx(0x0D, [1], [0, 0, 0, 0]), "0x0d (float32)" },
        { "header", [0, 0, 8, 2, 0, 0, 0], "truncated IDX header" },
        { "data", Idx(0x08, [2, 2], [1, 2, 3]), "truncated IDX data" },
        { "trailing", Idx(0x08, [2], [1, 2, 3]), "1 bytes of data after" },
        { "zero-dims", [0, 0, 8, 0], "0 dimensions" },
        { "bad-gzip", [0x1F, 0x8B, 8, 0, 1, 2, 3, 4, 5, 6], "gzip" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Read_BadFile_NamesFileAndReason(string name, byte[] bytes, string reason)
    {
        using var dir = new TempDir();
        var path = dir.File(name + ".idx");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));

        Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_NamesIt()
    {
        var e = Assert.Throws<IOException>(() => IdxFile.Read("/nonexistent/x.idx"));
        Assert.Contains("/nonexistent/x.idx", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void FashionMnist_Test_IsTenThousandLabelledImages()
    {
        var images = Fixtures.Data("fashion-mnist/t10k-images-idx3-ubyte.gz");
        var labels = Fixtures.Data("fashion-mnist/t10k-labels-idx1-ubyte.gz");

        var ds = new IdxDataset(images, labels);

        Assert.Equal(10_000, ds.Count);
        Assert.Equal((28, 28), (ds.Width, ds.Height));
        Assert.Equal(10, ds.NumClasses);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, Enumerable.Range(0, ds.Count).Count(i => ds.Label(i) == c)));
        var s = ds.Get(0, null);
        Assert.Equal([1, 28, 28], s.Shape);
        Assert.All(s.Values, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void IdxDataset_CountMismatch_NamesBothFiles()
    {
        var images = new IdxArray([2, 2, 2], new byte[8]);
        var labels = new IdxArray([3], new byte[3]);

        var e = Assert.Throws<InvalidDataException>(() => new IdxDataset(images, labels, null, "img.gz", "lab.gz"));

        Assert.Contains("img.gz holds 2 images but lab.gz holds 3 labels", e.Message, StringComparison.Ordinal);
    }
}
