using System.Buffers.Binary;
using TokenVision.IO.Imaging;
using TokenVision.IO.Jpeg;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>Corrupt, hostile and unsupported inputs end in <see cref="ImageDecodeException"/> with a precise reason.</summary>
public sealed class JpegErrorTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Fixtures.Path("images/decode/" + name));

    private static ImageDecodeException Reject(byte[] data, DecodeOptions? options = null) =>
        Assert.Throws<ImageDecodeException>(() => JpegDecoder.Decode(data, options));

    [SkippableTheory]
    [InlineData("truncated.jpg", "truncated")]
    [InlineData("garbage_after_soi.jpg", "")]
    [InlineData("text.jpg", "not a JPEG file")]
    [InlineData("empty.jpg", "empty file")]
    public void CorruptFixtures_AreRejectedWithPathAndReason(string name, string reasonStart)
    {
        var path = Fixtures.Path("images/corrupt/" + name);
        var e = Assert.Throws<ImageDecodeException>(() => JpegDecoder.Decode(path));
        Assert.Equal(path, e.Source);
        Assert.StartsWith(reasonStart, e.Reason, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Throws<ImageDecodeException>(() => JpegDecoder.Decode(File.ReadAllBytes(path)));
    }

    [SkippableFact]
    public void MissingFile_IsDecodeErrorNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "tokenvision-no-such-file.jpg");
        var e = Assert.Throws<ImageDecodeException>(() => JpegDecoder.Decode(path));
        Assert.Equal(path, e.Source);
        Assert.StartsWith("cannot read file", e.Reason, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(0xC3, "unsupported: lossless")]
    [InlineData(0xC5, "unsupported: hierarchical")]
    [InlineData(0xC6, "unsupported: hierarchical")]
    [InlineData(0xC7, "unsupported: hierarchical")]
    [InlineData(0xC9, "unsupported: arithmetic coding")]
    [InlineData(0xCA, "unsupported: arithmetic coding")]
    [InlineData(0xCB, "unsupported: arithmetic coding")]
    [InlineData(0xCD, "unsupported: arithmetic coding")]
    [InlineData(0xCE, "unsupported: arithmetic coding")]
    [InlineData(0xCF, "unsupported: arithmetic coding")]
    public void UnsupportedProcesses_AreNamed(int sofMarker, string reasonStart)
    {
        var data = Fixture("jpeg_420_q75.jpg");
        data[JpegBytes.FindSegment(data, 0xC0) + 1] = (byte)sofMarker;
        Assert.StartsWith(reasonStart, Reject(data).Reason, StringComparison.Ordinal);
        Assert.Throws<ImageDecodeException>(() => JpegDecoder.ReadInfo(data));
    }

    [SkippableFact]
    public void HierarchicalMarker_IsUnsupported()
    {
        var data = Fixture("jpeg_420_q75.jpg");
        data = JpegBytes.Insert(data, 2, JpegBytes.Segment(0xDE, [8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
        Assert.StartsWith("unsupported: hierarchical", Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(12)]
    [InlineData(16)]
    public void HighPrecision_IsUnsupported(int bits)
    {
        var data = Fixture("jpeg_420_q75.jpg");
        data[JpegBytes.FindSegment(data, 0xC0) + 4] = (byte)bits;
        Assert.StartsWith($"unsupported: {bits}-bit", Reject(data).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, "unsupported: CMYK")]
    [InlineData(0, "unsupported: CMYK")]
    [InlineData(2, "unsupported: YCCK")]
    public void FourComponents_AreUnsupported(int adobeTransform, string reasonStart)
    {
        byte[] sof = [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0];
        byte[] adobe = adobeTransform < 0 ? [] : JpegBytes.Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, (byte)adobeTransform]);
        byte[] data = [0xFF, 0xD8, .. adobe, .. JpegBytes.Segment(0xC0, sof), 0xFF, 0xD9];
        Assert.StartsWith(reasonStart, Reject(data).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(65500, 65500, "exceeds the limit")]
    [InlineData(65535, 100, "exceeds the JPEG limit")]
    [InlineData(0, 100, "invalid image size")]
    [InlineData(100, 0, "unsupported: image height 0")]
    public void Dimensions_AreCheckedBeforeAllocating(int width, int height, string reasonPart)
    {
        byte[] sof = [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0];
        byte[] data = [0xFF, 0xD8, .. JpegBytes.Segment(0xC0, sof), 0xFF, 0xD9];
        Assert.Contains(reasonPart, Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void MaxPixels_IsHonoured()
    {
        var data = Fixture("jpeg_420_q75.jpg");
        var e = Reject(data, new DecodeOptions { MaxPixels = 160 * 107 - 1, SourceName = "small-limit" });
        Assert.Equal("small-limit", e.Source);
        Assert.Contains("exceeds the limit", e.Reason, StringComparison.Ordinal);
        Assert.Equal(160, JpegDecoder.Decode(data, new DecodeOptions { MaxPixels = 160 * 107 }).Width);
    }

    [SkippableFact]
    public void HugeHeaderOnTinyData_IsRejectedBeforeAllocating()
    {
        // 8000 x 8000 is within MaxPixels, but 1.5M blocks cannot be coded in a few kilobytes.
        var data = Fixture("jpeg_420_q75.jpg");
        var sof = JpegBytes.FindSegment(data, 0xC0);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(sof + 5), 8000);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(sof + 7), 8000);
        Assert.StartsWith("truncated", Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void HuffmanCodeNotInTable_IsRejected()
    {
        // All-ones bits are never a valid code of a libjpeg-valid table.
        var data = Fixture("jpeg_gray.jpg");
        var sos = JpegBytes.FindSegment(data, 0xDA);
        var entropy = Enumerable.Repeat(new byte[] { 0xFF, 0x00 }, 64).SelectMany(b => b);
        data = [.. data[..(sos + 2 + BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(sos + 2)))], .. entropy, 0xFF, 0xD9];
        Assert.Equal("corrupt entropy-coded data: Huffman code not in table", Reject(data).Reason);
    }

    [SkippableFact]
    public void ScanReferencingUndefinedTables_IsRejected()
    {
        var data = Fixture("jpeg_gray.jpg");
        var sos = JpegBytes.FindSegment(data, 0xDA);
        data[sos + 6] = 0x33;   // DC/AC table 3, never defined
        Assert.StartsWith("scan uses undefined DC Huffman table 3", Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(5, 0x44, "scan selects Huffman tables 4/4")]
    [InlineData(5, 0x0F, "scan selects Huffman tables 0/15")]
    [InlineData(4, 9, "scan references unknown component id 9")]
    public void ScanSelectorsOutOfRange_AreRejected(int offset, int value, string reason)
    {
        var data = Fixture("jpeg_gray.jpg");
        data[JpegBytes.FindSegment(data, 0xDA) + offset + 1] = (byte)value;
        Assert.StartsWith(reason, Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void QuantTableIdOutOfRange_IsRejected()
    {
        var data = Fixture("jpeg_gray.jpg");
        data[JpegBytes.FindSegment(data, 0xDB) + 4] = 0x05;
        Assert.StartsWith("quantization table id 5 out of range", Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void CorruptProgressionParameters_AreRejected()
    {
        var data = Fixture("jpeg_progressive.jpg");
        var sos = JpegBytes.FindSegment(data, 0xDA);   // first scan: DC, all components
        var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(sos + 2));
        data[sos + 2 + length - 2] = 5;                // Se = 5 in a DC scan
        Assert.StartsWith("invalid progressive scan parameters", Reject(data).Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void WrongRestartMarker_IsRejected()
    {
        var data = Fixture("jpeg_restart.jpg");
        var rst = JpegBytes.FindMarkers(data, 0xD0)[0];
        data[rst + 1] = 0xD3;
        Assert.Equal("expected restart marker RST0, found marker 0xFFD3", Reject(data).Reason);
    }

    [SkippableFact]
    public void MissingEoi_BaselineDecodesLikeLibjpegButProgressiveIsTruncated()
    {
        var baseline = Fixture("jpeg_420_q75.jpg");
        Assert.Equal(JpegDecoder.Decode(baseline).Pixels, JpegDecoder.Decode(baseline.AsSpan(0, baseline.Length - 2)).Pixels);
        var progressive = Fixture("jpeg_progressive.jpg");
        Assert.StartsWith("truncated", Reject(progressive[..^2]).Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void TruncatedEntropyData_IsAnError()
    {
        var data = Fixture("jpeg_444_q95.jpg");
        for (var cut = data.Length - 3; cut > data.Length - 400; cut -= 37)
            Assert.StartsWith("truncated", Reject(data[..cut]).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoFrame_IsAnError()
    {
        Assert.Equal("no frame header (SOF) before EOI", Reject([0xFF, 0xD8, 0xFF, 0xD9]).Reason);
        Assert.Equal("duplicate SOI marker", Reject([0xFF, 0xD8, 0xFF, 0xD8]).Reason);
        Assert.StartsWith("truncated", Reject([0xFF, 0xD8]).Reason, StringComparison.Ordinal);
    }
}
