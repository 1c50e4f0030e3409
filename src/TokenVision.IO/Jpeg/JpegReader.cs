using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using TokenVision.IO.Imaging;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Parses a JPEG stream marker by marker and decodes its scans into per-component sample planes. One instance
/// decodes one stream; the entropy decoding lives in the Sequential and Progressive parts of this class.
/// </summary>
internal sealed partial class JpegReader
{
    private const int MaxDimension = 65500;       // libjpeg's JPEG_MAX_DIMENSION
    private const int MaxBlocksInMcu = 10;        // ITU T.81 B.2.3 (libjpeg's D_MAX_BLOCKS_IN_MCU)

    private readonly string _source;
    private readonly DecodeOptions _options;
    private readonly int[]?[] _quantTables = new int[4][];
    private readonly JpegHuffmanTable?[] _dcTables = new JpegHuffmanTable?[4];
    private readonly JpegHuffmanTable?[] _acTables = new JpegHuffmanTable?[4];
    private readonly short[] _block = new short[64];          // quantized coefficients (progressive / smoothing)
    private readonly int[] _dequantized = new int[64];        // sequential blocks; all zero between blocks
    private readonly int[] _scratch = new int[64];
    private readonly int[] _workspace = new int[64];
    private byte[] _segmentBuffer = [];

    private JpegComponent[] _components = [];
    private int _width;
    private int _height;
    private int _maxH;
    private int _maxV;
    private int _mcusPerLine;
    private int _mcusPerColumn;
    private int _restartInterval;
    private int _frameMarker;
    private bool _progressive;
    private bool _buffersAllocated;
    private bool _sawJfif;
    private int _adobeTransform = -1;
    private int _exifOrientation = 1;
    private bool _sawExif;
    private int _scanCount;

    /// <summary>Creates a reader that names <paramref name="source"/> in its errors.</summary>
    public JpegReader(string source, DecodeOptions options)
    {
        _source = source;
        _options = options;
    }

    /// <summary>Reads the headers up to the first scan and describes the image.</summary>
    public JpegInfo ReadInfo(ReadOnlySpan<byte> data)
    {
        Parse(data, headersOnly: true);
        return new JpegInfo(_width, _height, _components.Length, _progressive, _exifOrientation, OutputModel);
    }

    /// <summary>Decodes the whole stream into 8-bit pixels.</summary>
    public Image Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            Parse(data, headersOnly: false);
            if (_progressive)
                TransformCoefficients();
            var pixels = JpegRenderer.Render(_components, _width, _height, _maxH, _maxV, ColorTransform);
            var width = _width;
            var height = _height;
            var orientation = _exifOrientation;
            if (_options.ApplyExifOrientation && orientation != 1)
            {
                (pixels, width, height) = JpegOrientation.Apply(pixels, width, height, (int)OutputModel, orientation);
                orientation = 1;
            }
            return new Image(width, height, OutputModel, pixels, orientation);
        }
        finally
        {
            ReleaseBuffers();
        }
    }

    private ColorModel OutputModel => _components.Length == 1 ? ColorModel.Gray : ColorModel.Rgb;

    /// <summary>The colour space of a 3-component frame, decided the way libjpeg does.</summary>
    private JpegColorTransform ColorTransform
    {
        get
        {
            if (_components.Length == 1)
                return JpegColorTransform.Gray;
            if (_sawJfif)
                return JpegColorTransform.YCbCr;
            if (_adobeTransform >= 0)
                return _adobeTransform == 0 ? JpegColorTransform.Rgb : JpegColorTransform.YCbCr;
            var c = _components;
            if (c[0].Id == 'R' && c[1].Id == 'G' && c[2].Id == 'B')
                return JpegColorTransform.Rgb;
            return JpegColorTransform.YCbCr;
        }
    }

    private void Parse(ReadOnlySpan<byte> data, bool headersOnly)
    {
        if (data.Length == 0)
            Fail("empty file");
        if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8)
            Fail("not a JPEG file (no SOI marker)");
        var pos = 2;
        while (true)
        {
            var marker = NextMarker(data, ref pos);
            if (marker < 0)
            {
                if (!headersOnly && CompleteWithoutEoi())
                    return;
                Fail(_frameMarker == 0 ? "truncated: no frame header (SOF) before the end of the file" : "truncated: the file ends before the EOI marker");
            }
            switch (marker)
            {
                case 0xD8:
                    Fail("duplicate SOI marker");
                    break;
                case 0xD9:
                    if (headersOnly)
                        Fail("no scan (SOS) before the EOI marker");
                    FinishImage();
                    return;
                case >= 0xD0 and <= 0xD7:
                case 0x01:
                    // Stray RSTn / TEM outside a scan carry no payload; libjpeg ignores them too.
                    continue;
            }

            if (pos + 2 > data.Length)
                Fail($"truncated: marker 0xFF{marker:X2} has no length");
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2)
                Fail($"marker 0xFF{marker:X2} has an invalid length {length}");
            if (pos + length > data.Length)
                Fail($"truncated: marker segment 0xFF{marker:X2} ({length} bytes) runs past the end of the file");
            var segment = data.Slice(pos + 2, length - 2);
            pos += length;

            switch (marker)
            {
                case 0xC0:
                case 0xC1:
                case 0xC2:
                    ReadFrameHeader(segment, marker);
                    break;
                case 0xC3:
                    Fail("unsupported: lossless JPEG (SOF3)");
                    break;
                case 0xC5:
                case 0xC6:
                case 0xC7:
                    Fail($"unsupported: hierarchical (differential) JPEG (SOF{marker - 0xC0})");
                    break;
                case 0xC8:
                    Fail("unsupported: JPEG extension frame (SOF 0xFFC8)");
                    break;
                case 0xC9:
                case 0xCA:
                case 0xCB:
                case 0xCD:
                case 0xCE:
                case 0xCF:
                    Fail($"unsupported: arithmetic coding (SOF{marker - 0xC0})");
                    break;
                case 0xC4:
                    ReadHuffmanTables(segment);
                    break;
                case 0xCC:
                    // DAC: conditioning for arithmetic coding; irrelevant to Huffman frames.
                    break;
                case 0xDB:
                    ReadQuantTables(segment);
                    break;
                case 0xDD:
                    if (segment.Length != 2)
                        Fail("DRI segment has a bad length");
                    _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xDA:
                    var scan = ReadScanHeader(segment);
                    if (headersOnly)
                        return;
                    pos = DecodeScan(data, pos, scan);
                    break;
                case 0xDC:
                    // DNL: the height is taken from the frame header only (as libjpeg does).
                    break;
                case 0xDE:
                case 0xDF:
                    Fail("unsupported: hierarchical JPEG (DHP/EXP marker)");
                    break;
                case 0xE0:
                    if (segment.StartsWith("JFIF\0"u8))
                        _sawJfif = true;
                    break;
                case 0xE1:
                    if (!_sawExif && segment.StartsWith("Exif\0\0"u8))
                    {
                        _sawExif = true;
                        _exifOrientation = JpegExif.ReadOrientation(segment[6..]);
                    }
                    break;
                case 0xEE:
                    if (segment.Length >= 12 && segment.StartsWith("Adobe"u8))
                        _adobeTransform = segment[11];
                    break;
                case >= 0xE2 and <= 0xEF:
                case 0xFE:
                    break;
                case 0xF7:
                case 0xF8:
                    Fail("unsupported: JPEG-LS");
                    break;
                default:
                    Fail($"unknown marker 0xFF{marker:X2}");
                    break;
            }
        }
    }

    /// <summary>
    /// Finds the next marker at or after <paramref name="pos"/>, skipping fill bytes and (as libjpeg does) stray
    /// non-marker bytes; leaves <paramref name="pos"/> after the marker code. Returns -1 at the end of the data.
    /// </summary>
    private static int NextMarker(ReadOnlySpan<byte> data, ref int pos)
    {
        while (true)
        {
            var ff = data[pos..].IndexOf((byte)0xFF);
            if (ff < 0)
            {
                pos = data.Length;
                return -1;
            }
            pos += ff;
            while (pos < data.Length && data[pos] == 0xFF)
                pos++;
            if (pos >= data.Length)
                return -1;
            var marker = data[pos++];
            if (marker != 0)
                return marker;
        }
    }

    private void ReadFrameHeader(ReadOnlySpan<byte> s, int marker)
    {
        if (_frameMarker != 0)
            Fail("more than one frame header (SOF)");
        if (s.Length < 6)
            Fail("frame header (SOF) too short");
        var precision = s[0];
        if (precision != 8)
            Fail(precision is 12 or 16 ? $"unsupported: {precision}-bit sample precision" : $"invalid sample precision {precision}");
        var height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        var width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        int count = s[5];
        if (width == 0 || height == 0)
            Fail(height == 0 && width != 0 ? "unsupported: image height 0 (defined by a DNL marker)" : $"invalid image size {width}x{height}");
        if (width > MaxDimension || height > MaxDimension)
            Fail($"image size {width}x{height} exceeds the JPEG limit of {MaxDimension}");
        if ((long)width * height > _options.MaxPixels)
            Fail($"image size {width}x{height} ({(long)width * height} pixels) exceeds the limit of {_options.MaxPixels} pixels");
        if (count == 0)
            Fail("frame header declares no components");
        if (s.Length != 6 + 3 * count)
            Fail("frame header (SOF) has a bad length");
        if (count == 4)
            Fail(_adobeTransform == 2 ? "unsupported: YCCK (4-component) JPEG" : "unsupported: CMYK (4-component) JPEG");
        if (count != 1 && count != 3)
            Fail($"unsupported: {count}-component JPEG");

        var components = new JpegComponent[count];
        for (var i = 0; i < count; i++)
        {
            var id = s[6 + 3 * i];
            var h = s[7 + 3 * i] >> 4;
            var v = s[7 + 3 * i] & 15;
            var tq = s[8 + 3 * i];
            if (h is < 1 or > 4 || v is < 1 or > 4)
                Fail($"component {id} has invalid sampling factors {h}x{v}");
            if (tq > 3)
                Fail($"component {id} uses quantization table {tq} (0..3 allowed)");
            for (var j = 0; j < i; j++)
            {
                if (components[j].Id == id)
                    Fail($"duplicate component id {id} in the frame header");
            }
            components[i] = new JpegComponent(id, i, h, v, tq);
        }

        _maxH = components.Max(c => c.H);
        _maxV = components.Max(c => c.V);
        foreach (var c in components)
        {
            if (_maxH % c.H != 0 || _maxV % c.V != 0)
                Fail($"unsupported: fractional sampling ratio (component {c.Id} is {c.H}x{c.V}, maximum {_maxH}x{_maxV})");
        }
        _mcusPerLine = DivCeil(width, 8 * _maxH);
        _mcusPerColumn = DivCeil(height, 8 * _maxV);
        foreach (var c in components)
        {
            c.DownsampledWidth = DivCeil(width * c.H, _maxH);
            c.DownsampledHeight = DivCeil(height * c.V, _maxV);
            c.BlocksPerLine = DivCeil(c.DownsampledWidth, 8);
            c.BlocksPerColumn = DivCeil(c.DownsampledHeight, 8);
            c.PaddedBlocksPerLine = _mcusPerLine * c.H;
            c.PaddedBlocksPerColumn = _mcusPerColumn * c.V;
            c.CoefficientBits.AsSpan().Fill(-1);
        }
        _width = width;
        _height = height;
        _components = components;
        _frameMarker = marker;
        _progressive = marker == 0xC2;
    }

    private void ReadQuantTables(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0)
        {
            var precision = s[0] >> 4;
            var id = s[0] & 15;
            if (precision > 1)
                Fail($"quantization table {id} has invalid precision {precision}");
            if (id > 3)
                Fail($"quantization table id {id} out of range (0..3)");
            var size = precision == 0 ? 64 : 128;
            if (s.Length < 1 + size)
                Fail("DQT segment too short");
            var table = new int[64];
            var natural = JpegTables.NaturalOrder;
            for (var i = 0; i < 64; i++)
            {
                table[natural[i]] = precision == 0 ? s[1 + i] : BinaryPrimitives.ReadUInt16BigEndian(s[(1 + 2 * i)..]);
            }
            _quantTables[id] = table;
            s = s[(1 + size)..];
        }
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0)
        {
            if (s.Length < 17)
                Fail("DHT segment too short");
            var tc = s[0] >> 4;
            var th = s[0] & 15;
            if (tc > 1 || th > 3)
                Fail($"Huffman table class/id {tc}/{th} out of range");
            var counts = new byte[17];
            var total = 0;
            for (var i = 1; i <= 16; i++)
            {
                counts[i] = s[i];
                total += s[i];
            }
            if (total > 256 || s.Length < 17 + total)
                Fail("DHT segment declares more symbols than it holds");
            var values = s.Slice(17, total).ToArray();
            var table = JpegHuffmanTable.Create(counts, values) ?? Fail<JpegHuffmanTable>("invalid Huffman table (code lengths overflow)");
            (tc == 0 ? _dcTables : _acTables)[th] = table;
            s = s[(17 + total)..];
        }
    }

    private JpegScan ReadScanHeader(ReadOnlySpan<byte> s)
    {
        if (_frameMarker == 0)
            Fail("scan (SOS) before the frame header (SOF)");
        if (s.Length < 1)
            Fail("SOS segment too short");
        int count = s[0];
        if (count < 1 || count > 4 || count > _components.Length)
            Fail($"scan has {count} components");
        if (s.Length != 4 + 2 * count)
            Fail("SOS segment has a bad length");
        var components = new JpegComponent[count];
        var dcIds = new int[count];
        var acIds = new int[count];
        for (var i = 0; i < count; i++)
        {
            var id = s[1 + 2 * i];
            var component = Array.Find(_components, c => c.Id == id) ?? Fail<JpegComponent>($"scan references unknown component id {id}");
            if (Array.IndexOf(components, component) >= 0)
                Fail($"scan lists component {id} twice");
            components[i] = component;
            dcIds[i] = s[2 + 2 * i] >> 4;
            acIds[i] = s[2 + 2 * i] & 15;
            if (dcIds[i] > 3 || acIds[i] > 3)
                Fail($"scan selects Huffman tables {dcIds[i]}/{acIds[i]} for component {id} (0..3 allowed)");
        }
        var ss = s[1 + 2 * count];
        var se = s[2 + 2 * count];
        var ah = s[3 + 2 * count] >> 4;
        var al = s[3 + 2 * count] & 15;

        if (_progressive)
        {
            var bad = ss == 0 ? se != 0 : ss > se || se > 63 || count != 1;
            bad |= ah != 0 && al != ah - 1;
            bad |= al > 13;
            if (bad)
                Fail($"invalid progressive scan parameters Ss={ss} Se={se} Ah={ah} Al={al}");
        }
        if (count > 1)
        {
            var blocks = 0;
            foreach (var c in components)
                blocks += c.H * c.V;
            if (blocks > MaxBlocksInMcu)
                Fail($"interleaved scan MCU has {blocks} blocks (at most {MaxBlocksInMcu})");
        }

        var needDc = !_progressive || (ss == 0 && ah == 0);
        var needAc = !_progressive || ss != 0;
        for (var i = 0; i < count; i++)
        {
            var c = components[i];
            c.DcTable = needDc ? _dcTables[dcIds[i]] ?? Fail<JpegHuffmanTable>($"scan uses undefined DC Huffman table {dcIds[i]}") : null;
            c.AcTable = needAc ? _acTables[acIds[i]] ?? Fail<JpegHuffmanTable>($"scan uses undefined AC Huffman table {acIds[i]}") : null;
            if (c.DcTable is { IsValidDcTable: false })
                Fail($"DC Huffman table {dcIds[i]} has symbols above 15");
            if (c.QuantValues is null)
            {
                c.QuantValues = (int[]?)_quantTables[c.QuantTableId]?.Clone() ?? Fail<int[]>($"component {c.Id} uses undefined quantization table {c.QuantTableId}");
                c.Quant = Array.ConvertAll(c.QuantValues, q => (int)(short)q);
            }
        }
        return new JpegScan(components, ss, se, ah, al);
    }

    private int DecodeScan(ReadOnlySpan<byte> data, int pos, JpegScan scan)
    {
        if (!_buffersAllocated)
            AllocateBuffers(data.Length);
        foreach (var c in scan.Components)
            c.HasData = true;
        _scanCount++;
        return _progressive ? DecodeProgressiveScan(data, pos, scan) : DecodeSequentialScan(data, pos, scan);
    }

    private void AllocateBuffers(int dataLength)
    {
        // Every block of every component costs at least one bit of entropy-coded data (its DC code), so a
        // header that promises more blocks than the file has bits cannot be complete: reject it before allocating.
        long blocks = 0;
        foreach (var c in _components)
            blocks += (long)c.BlocksPerLine * c.BlocksPerColumn;
        if (blocks > 8L * dataLength)
            Fail($"truncated: {_width}x{_height} needs {blocks} blocks, more than {dataLength} bytes can hold");

        // Un-stuffed entropy-coded segments are never longer than the file.
        _segmentBuffer = ArrayPool<byte>.Shared.Rent(dataLength + JpegBitReader.Padding);
        foreach (var c in _components)
        {
            c.Plane = ArrayPool<byte>.Shared.Rent(c.Stride * c.PaddedBlocksPerColumn * 8);
            if (_progressive)
            {
                var length = c.PaddedBlocksPerLine * c.PaddedBlocksPerColumn * 64;
                c.Coefficients = ArrayPool<short>.Shared.Rent(length);
                Array.Clear(c.Coefficients, 0, length);
            }
        }
        _buffersAllocated = true;
    }

    private void ReleaseBuffers()
    {
        if (_segmentBuffer.Length > 0)
            ArrayPool<byte>.Shared.Return(_segmentBuffer);
        _segmentBuffer = [];
        foreach (var c in _components)
        {
            if (c.Plane.Length > 0)
                ArrayPool<byte>.Shared.Return(c.Plane);
            if (c.Coefficients.Length > 0)
                ArrayPool<short>.Shared.Return(c.Coefficients);
            c.Plane = [];
            c.Coefficients = [];
        }
        _buffersAllocated = false;
    }

    /// <summary>After EOI: every component must have received data.</summary>
    private void FinishImage()
    {
        if (_frameMarker == 0)
            Fail("no frame header (SOF) before EOI");
        if (_scanCount == 0)
            Fail("no scan data before EOI");
        foreach (var c in _components)
        {
            if (!c.HasData)
                Fail($"component {c.Id} has no scan data");
        }
    }

    /// <summary>
    /// A sequential image whose scans are complete decodes without EOI (libjpeg has all its lines by then); a
    /// progressive one does not, since more scans could follow.
    /// </summary>
    private bool CompleteWithoutEoi()
    {
        if (_frameMarker == 0 || _progressive || _scanCount == 0)
            return false;
        foreach (var c in _components)
        {
            if (!c.HasData)
                return false;
        }
        return true;
    }

    private static int DivCeil(int a, int b) => (a + b - 1) / b;

    [DoesNotReturn]
    private void Fail(string reason) => throw new ImageDecodeException(_source, reason);

    [DoesNotReturn]
    private T Fail<T>(string reason) => throw new ImageDecodeException(_source, reason);
}
