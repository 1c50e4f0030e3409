using System.Runtime.InteropServices;

namespace TokenVision.IO.Jpeg;

/// <summary>
/// Progressive Huffman scans (ITU T.81 G.1.2): DC first/refine (possibly interleaved) and AC first/refine
/// (single component) with end-of-band runs; coefficients accumulate until EOI, then are transformed.
/// </summary>
internal sealed partial class JpegReader
{
    private int _eobRun;

    private int DecodeProgressiveScan(ReadOnlySpan<byte> data, int pos, JpegScan scan)
    {
        var reader = new JpegBitReader(_segmentBuffer);
        reader.Begin(data, pos);
        var components = scan.Components;
        foreach (var c in components)
        {
            c.DcPredictor = 0;
            for (var k = scan.SpectralStart; k <= scan.SpectralEnd; k++)
                c.CoefficientBits[k] = scan.ApproxLow;
        }
        _eobRun = 0;
        var restart = new RestartState(_restartInterval);
        var isDc = scan.SpectralStart == 0;
        var refine = scan.ApproxHigh != 0;

        if (components.Length == 1)
        {
            var c = components[0];
            var coefficients = c.Coefficients.AsSpan();
            for (var by = 0; by < c.BlocksPerColumn; by++)
            {
                for (var bx = 0; bx < c.BlocksPerLine; bx++)
                {
                    BeginMcu(data, ref reader, ref restart, components);
                    var block = coefficients.Slice((by * c.PaddedBlocksPerLine + bx) * 64, 64);
                    if (isDc)
                        DecodeDc(ref reader, c, block, scan, refine);
                    else if (refine)
                        DecodeAcRefine(ref reader, c, block, scan);
                    else
                        DecodeAcFirst(ref reader, c, block, scan);
                    if (reader.Overrun)
                        FailTruncated();
                }
            }
        }
        else
        {
            // Interleaved scans are DC-only (checked with the scan header).
            for (var my = 0; my < _mcusPerColumn; my++)
            {
                for (var mx = 0; mx < _mcusPerLine; mx++)
                {
                    BeginMcu(data, ref reader, ref restart, components);
                    foreach (var c in components)
                    {
                        var coefficients = c.Coefficients.AsSpan();
                        for (var v = 0; v < c.V; v++)
                        {
                            var row = (my * c.V + v) * c.PaddedBlocksPerLine + mx * c.H;
                            for (var h = 0; h < c.H; h++)
                                DecodeDc(ref reader, c, coefficients.Slice((row + h) * 64, 64), scan, refine);
                        }
                    }
                    if (reader.Overrun)
                        FailTruncated();
                }
            }
        }
        return reader.SegmentEnd;
    }

    private void DecodeDc(ref JpegBitReader reader, JpegComponent c, Span<short> block, JpegScan scan, bool refine)
    {
        reader.Ensure32();
        if (refine)
        {
            if (reader.ReadBit() != 0)
                block[0] |= (short)(1 << scan.ApproxLow);
            return;
        }
        var s = reader.DecodeSymbol(c.DcTable!);
        if (s < 0)
            FailBadCode();
        var dc = c.DcPredictor + reader.ReceiveExtend(s);
        c.DcPredictor = dc;
        block[0] = (short)(dc << scan.ApproxLow);
    }

    private void DecodeAcFirst(ref JpegBitReader reader, JpegComponent c, Span<short> block, JpegScan scan)
    {
        if (_eobRun > 0)
        {
            _eobRun--;
            return;
        }
        var table = c.AcTable!;
        var natural = JpegTables.NaturalOrder;
        var al = scan.ApproxLow;
        for (var k = scan.SpectralStart; k <= scan.SpectralEnd; k++)
        {
            reader.Ensure32();
            var rs = reader.DecodeSymbol(table);
            if (rs < 0)
                FailBadCode();
            var run = rs >> 4;
            var size = rs & 15;
            if (size != 0)
            {
                k += run;
                block[natural[k]] = (short)(reader.ReceiveExtend(size) << al);
            }
            else if (run == 15)
            {
                k += 15;
            }
            else
            {
                _eobRun = (1 << run) - 1;
                if (run != 0)
                    _eobRun += reader.ReadBits(run);
                break;
            }
        }
    }

    private void DecodeAcRefine(ref JpegBitReader reader, JpegComponent c, Span<short> block, JpegScan scan)
    {
        var table = c.AcTable!;
        var natural = JpegTables.NaturalOrder;
        var p1 = 1 << scan.ApproxLow;
        var m1 = -1 << scan.ApproxLow;
        var k = scan.SpectralStart;
        var end = scan.SpectralEnd;

        if (_eobRun == 0)
        {
            for (; k <= end; k++)
            {
                reader.Ensure32();
                var rs = reader.DecodeSymbol(table);
                if (rs < 0)
                    FailBadCode();
                var run = rs >> 4;
                var value = 0;
                if ((rs & 15) != 0)
                {
                    // Only magnitude 1 is valid here; libjpeg reads one sign bit whatever the size says.
                    value = reader.ReadBit() != 0 ? p1 : m1;
                }
                else if (run != 15)
                {
                    _eobRun = 1 << run;
                    if (run != 0)
                        _eobRun += reader.ReadBits(run);
                    break;
                }

                // Skip `run` zero-history coefficients, refining the nonzero ones passed on the way.
                while (k <= end)
                {
                    ref var coef = ref block[natural[k]];
                    if (coef != 0)
                    {
                        reader.Ensure32();
                        if (reader.ReadBit() != 0 && (coef & p1) == 0)
                            coef += (short)(coef >= 0 ? p1 : m1);
                    }
                    else
                    {
                        if (--run < 0)
                            break;
                    }
                    k++;
                }
                if (value != 0)
                    block[natural[k]] = (short)value;
            }
        }

        if (_eobRun > 0)
        {
            // Within an end-of-band run only the already nonzero coefficients get correction bits.
            for (; k <= end; k++)
            {
                ref var coef = ref block[natural[k]];
                if (coef != 0)
                {
                    reader.Ensure32();
                    if (reader.ReadBit() != 0 && (coef & p1) == 0)
                        coef += (short)(coef >= 0 ? p1 : m1);
                }
            }
            _eobRun--;
        }
    }

    /// <summary>After the last scan: inverse-transforms every block of every component into its plane.</summary>
    private void TransformCoefficients()
    {
        if (JpegBlockSmoothing.IsUseful(_components))
        {
            foreach (var c in _components)
                JpegBlockSmoothing.Transform(c, _mcusPerColumn, _block, _scratch, _workspace);
            return;
        }
        foreach (var c in _components)
        {
            var quant = c.Quant!;
            var coefficients = c.Coefficients.AsSpan();
            var stride = c.Stride;
            for (var by = 0; by < c.BlocksPerColumn; by++)
            {
                for (var bx = 0; bx < c.BlocksPerLine; bx++)
                {
                    var block = coefficients.Slice((by * c.PaddedBlocksPerLine + bx) * 64, 64);
                    var offset = by * 8 * stride + bx * 8;
                    if (HasOnlyDc(block))
                        JpegIdct.TransformDcOnly(block[0] * quant[0], c.Plane, offset, stride);
                    else
                        JpegIdct.Transform(block, quant, _scratch, _workspace, c.Plane, offset, stride);
                }
            }
        }
    }

    private static bool HasOnlyDc(ReadOnlySpan<short> block)
    {
        var words = MemoryMarshal.Cast<short, ulong>(block);
        var any = words[0] & ~0xFFFFUL;
        for (var i = 1; i < words.Length; i++)
            any |= words[i];
        return any == 0;
    }
}
