using System.Buffers.Binary;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>A scan of a test stream: frame component indices and (for progressive frames) band and approximation.</summary>
internal sealed record TestScan(int[] Components, int Ss = 0, int Se = 63, int Ah = 0, int Al = 0);

/// <summary>How a test stream marks its colour space.</summary>
internal enum TestColorMarker
{
    Jfif,
    AdobeYCbCr,
    AdobeRgb,
    RgbIds,
    None,
}

/// <summary>The container choices of a test stream; none of them changes the decoded pixels of a complete image.</summary>
internal sealed record TestJpegLayout
{
    public TestScan[]? Scans { get; init; }

    public bool Progressive { get; init; }

    public int RestartInterval { get; init; }

    public bool SixteenBitQuant { get; init; }

    public TestColorMarker Marker { get; init; } = TestColorMarker.Jfif;

    /// <summary>Extra 0xFF fill bytes before every marker inside and between scans.</summary>
    public bool FillBytes { get; init; }

    /// <summary>A fresh DHT before every scan whose symbol order differs per scan (so stale tables would decode garbage).</summary>
    public bool RedefineTables { get; init; }

    /// <summary>COM and unknown APPn segments between the tables.</summary>
    public bool ExtraSegments { get; init; }
}

/// <summary>
/// Writes quantized coefficients as a JPEG stream for tests: baseline or progressive Huffman (ITU T.81 G.1.2.2 with
/// end-of-band runs and buffered correction bits), restart intervals, 8/16-bit DQT and colour-space markers. The
/// Huffman tables hold every symbol with 8/9-bit (AC) or 4/5-bit (DC) codes, so no statistics pass is needed.
/// </summary>
internal sealed class TestJpegWriter
{
    private readonly TestJpegImage _image;
    private readonly TestJpegLayout _layout;
    private readonly List<byte> _out = [];
    private ulong _acc;
    private int _bits;
    private int _tableRotation;
    private int _eobRun;
    private readonly List<int> _correctionBits = [];

    private TestJpegWriter(TestJpegImage image, TestJpegLayout layout)
    {
        _image = image;
        _layout = layout;
    }

    public static byte[] Write(TestJpegImage image, TestJpegLayout layout)
    {
        var writer = new TestJpegWriter(image, layout);
        writer.WriteAll();
        return [.. writer._out];
    }

    private void WriteAll()
    {
        var image = _image;
        var comps = image.Components;
        Bytes(0xFF, 0xD8);
        switch (_layout.Marker)
        {
            case TestColorMarker.Jfif:
                Segment(0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
                break;
            case TestColorMarker.AdobeYCbCr:
            case TestColorMarker.AdobeRgb:
                Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, (byte)(_layout.Marker == TestColorMarker.AdobeRgb ? 0 : 1)]);
                break;
        }
        if (_layout.ExtraSegments)
        {
            Segment(0xFE, "test comment"u8);
            Segment(0xE5, [1, 2, 3, 0xFF, 0xD9, 0xFF]);
        }
        for (var t = 0; t < image.QuantTables.Length; t++)
        {
            var q = image.QuantTables[t];
            var payload = new List<byte> { (byte)((_layout.SixteenBitQuant ? 0x10 : 0) | t) };
            for (var i = 0; i < 64; i++)
            {
                var v = q[Natural[i]];
                if (_layout.SixteenBitQuant)
                    payload.AddRange([(byte)(v >> 8), (byte)v]);
                else
                    payload.Add((byte)v);
            }
            Segment(0xDB, [.. payload]);
            if (_layout.ExtraSegments)
                Segment(0xFE, [(byte)t]);
        }
        var sof = new List<byte> { 8, (byte)(image.Height >> 8), (byte)image.Height, (byte)(image.Width >> 8), (byte)image.Width, (byte)comps.Length };
        foreach (var c in comps)
            sof.AddRange([(byte)c.Id, (byte)((c.H << 4) | c.V), (byte)c.QuantTable]);
        Segment((byte)(_layout.Progressive ? 0xC2 : _layout.SixteenBitQuant ? 0xC1 : 0xC0), [.. sof]);
        if (!_layout.RedefineTables)
            Tables();
        if (_layout.RestartInterval > 0)
            Segment(0xDD, [(byte)(_layout.RestartInterval >> 8), (byte)_layout.RestartInterval]);

        var scans = _layout.Scans ?? [new TestScan([.. Enumerable.Range(0, comps.Length)])];
        foreach (var scan in scans)
        {
            if (_layout.RedefineTables)
            {
                _tableRotation = (_tableRotation + 37) % 256;
                Tables();
            }
            var sos = new List<byte> { (byte)scan.Components.Length };
            foreach (var ci in scan.Components)
                sos.AddRange([(byte)comps[ci].Id, (byte)(ci == 0 ? 0x00 : 0x11)]);
            sos.AddRange([(byte)scan.Ss, (byte)scan.Se, (byte)((scan.Ah << 4) | scan.Al)]);
            Segment(0xDA, [.. sos]);
            WriteScan(scan);
        }
        Marker(0xD9);
    }

    private void Tables()
    {
        // DC: symbols 0..15, 14 with 4-bit codes and 2 with 5-bit codes. AC: all 256, 254 of 8 bits and 2 of 9.
        for (var id = 0; id < 2; id++)
        {
            var dc = new byte[1 + 16 + 16];
            dc[0] = (byte)id;
            dc[4] = 14;
            dc[5] = 2;
            for (var i = 0; i < 16; i++)
                dc[17 + i] = (byte)((i + _tableRotation) % 16);
            Segment(0xC4, dc);
            var ac = new byte[1 + 16 + 256];
            ac[0] = (byte)(0x10 | id);
            ac[8] = 254;
            ac[9] = 2;
            for (var i = 0; i < 256; i++)
                ac[17 + i] = (byte)((i + _tableRotation) % 256);
            Segment(0xC4, ac);
        }
    }

    private void DcSymbol(int s)
    {
        var index = ((s - _tableRotation) % 16 + 16) % 16;
        if (index < 14)
            Put(index, 4);
        else
            Put(28 + index - 14, 5);
    }

    private void AcSymbol(int s)
    {
        var index = ((s - _tableRotation) % 256 + 256) % 256;
        if (index < 254)
            Put(index, 8);
        else
            Put(508 + index - 254, 9);
    }

    private void WriteScan(TestScan scan)
    {
        var comps = scan.Components.Select(i => _image.Components[i]).ToArray();
        var predictors = new int[comps.Length];
        _eobRun = 0;
        _correctionBits.Clear();
        var mcus = new List<List<(int Comp, int Block)>>();
        if (comps.Length == 1)
        {
            var c = comps[0];
            for (var by = 0; by < c.BlocksPerColumn; by++)
            {
                for (var bx = 0; bx < c.BlocksPerLine; bx++)
                    mcus.Add([(0, by * c.PaddedBlocksPerLine + bx)]);
            }
        }
        else
        {
            for (var my = 0; my < _image.McusPerColumn; my++)
            {
                for (var mx = 0; mx < _image.McusPerLine; mx++)
                {
                    var mcu = new List<(int, int)>();
                    for (var i = 0; i < comps.Length; i++)
                    {
                        var c = comps[i];
                        for (var v = 0; v < c.V; v++)
                        {
                            for (var h = 0; h < c.H; h++)
                                mcu.Add((i, (my * c.V + v) * c.PaddedBlocksPerLine + mx * c.H + h));
                        }
                    }
                    mcus.Add(mcu);
                }
            }
        }

        var restart = 0;
        for (var m = 0; m < mcus.Count; m++)
        {
            if (_layout.RestartInterval > 0 && m > 0 && m % _layout.RestartInterval == 0)
            {
                FlushEobRun();
                FlushBits();
                Marker((byte)(0xD0 + restart));
                restart = (restart + 1) & 7;
                Array.Clear(predictors);
            }
            foreach (var (ci, block) in mcus[m])
            {
                var coefficients = comps[ci].Coefficients.AsSpan(block * 64, 64);
                if (!_layout.Progressive)
                    Sequential(coefficients, ref predictors[ci]);
                else if (scan.Ss == 0 && scan.Ah == 0)
                    DcFirst(coefficients, ref predictors[ci], scan.Al);
                else if (scan.Ss == 0)
                    Put((coefficients[0] >> scan.Al) & 1, 1);
                else if (scan.Ah == 0)
                    AcFirst(coefficients, scan);
                else
                    AcRefine(coefficients, scan);
            }
        }
        FlushEobRun();
        FlushBits();
    }

    private void Sequential(ReadOnlySpan<short> block, ref int predictor)
    {
        DcFirst(block, ref predictor, 0);
        var run = 0;
        for (var k = 1; k < 64; k++)
        {
            int v = block[Natural[k]];
            if (v == 0)
            {
                run++;
                continue;
            }
            for (; run > 15; run -= 16)
                AcSymbol(0xF0);
            var size = Magnitude(v);
            AcSymbol((run << 4) | size);
            PutValue(v, size);
            run = 0;
        }
        if (run > 0)
            AcSymbol(0x00);
    }

    private void DcFirst(ReadOnlySpan<short> block, ref int predictor, int al)
    {
        var value = block[0] >> al;
        var diff = value - predictor;
        predictor = value;
        var size = Magnitude(diff);
        DcSymbol(size);
        PutValue(diff, size);
    }

    private void AcFirst(ReadOnlySpan<short> block, TestScan scan)
    {
        var run = 0;
        for (var k = scan.Ss; k <= scan.Se; k++)
        {
            int v = block[Natural[k]];
            var magnitude = Math.Abs(v) >> scan.Al;
            if (magnitude == 0)
            {
                run++;
                continue;
            }
            FlushEobRun();
            for (; run > 15; run -= 16)
                AcSymbol(0xF0);
            var size = Magnitude(magnitude);
            AcSymbol((run << 4) | size);
            PutValue(v < 0 ? -magnitude : magnitude, size);
            run = 0;
        }
        if (run > 0 && ++_eobRun == 0x7FFF)
            FlushEobRun();
    }

    private void AcRefine(ReadOnlySpan<short> block, TestScan scan)
    {
        var magnitudes = new int[64];
        var end = -1;   // last coefficient that becomes nonzero in this scan
        for (var k = scan.Ss; k <= scan.Se; k++)
        {
            magnitudes[k] = Math.Abs((int)block[Natural[k]]) >> scan.Al;
            if (magnitudes[k] == 1)
                end = k;
        }
        var run = 0;
        var pending = new List<int>();   // correction bits of this block not yet emitted
        for (var k = scan.Ss; k <= scan.Se; k++)
        {
            var m = magnitudes[k];
            if (m == 0)
            {
                run++;
                continue;
            }
            while (run > 15 && k <= end)
            {
                FlushEobRun();
                AcSymbol(0xF0);
                run -= 16;
                foreach (var bit in pending)
                    Put(bit, 1);
                pending.Clear();
            }
            if (m > 1)
            {
                pending.Add(m & 1);
                continue;
            }
            FlushEobRun();
            AcSymbol((run << 4) | 1);
            Put(block[Natural[k]] < 0 ? 0 : 1, 1);
            foreach (var bit in pending)
                Put(bit, 1);
            pending.Clear();
            run = 0;
        }
        if (run > 0 || pending.Count > 0)
        {
            _eobRun++;
            _correctionBits.AddRange(pending);
            if (_eobRun == 0x7FFF || _correctionBits.Count > 900)
                FlushEobRun();
        }
    }

    private void FlushEobRun()
    {
        if (_eobRun == 0)
        {
            return;
        }
        var n = 0;
        while ((_eobRun >> (n + 1)) != 0)
            n++;
        AcSymbol(n << 4);
        Put(_eobRun & ((1 << n) - 1), n);
        _eobRun = 0;
        foreach (var bit in _correctionBits)
            Put(bit, 1);
        _correctionBits.Clear();
    }

    private static int Magnitude(int v)
    {
        v = Math.Abs(v);
        var n = 0;
        while (v != 0)
        {
            n++;
            v >>= 1;
        }
        return n;
    }

    private void PutValue(int v, int size)
    {
        if (size > 0)
            Put(v < 0 ? v - 1 : v, size);
    }

    private void Put(int value, int length)
    {
        if (length == 0)
            return;
        _acc = (_acc << length) | ((uint)value & ((1u << length) - 1));
        _bits += length;
        while (_bits >= 8)
        {
            var b = (byte)(_acc >> (_bits - 8));
            _out.Add(b);
            if (b == 0xFF)
                _out.Add(0);
            _bits -= 8;
        }
    }

    private void FlushBits()
    {
        if (_bits > 0)
            Put(0x7F, 8 - _bits);
        _acc = 0;
    }

    private void Marker(byte marker)
    {
        if (_layout.FillBytes)
            Bytes(0xFF, 0xFF);
        Bytes(0xFF, marker);
    }

    private void Segment(byte marker, ReadOnlySpan<byte> payload)
    {
        Marker(marker);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)(payload.Length + 2));
        _out.AddRange(length);
        _out.AddRange(payload.ToArray());
    }

    private void Bytes(params byte[] bytes) => _out.AddRange(bytes);

    private static readonly int[] Natural =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];
}
