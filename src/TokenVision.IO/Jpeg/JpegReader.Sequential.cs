using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace TokenVision.IO.Jpeg;

/// <summary>Baseline and extended sequential Huffman scans: each block is decoded and transformed straight into its plane.</summary>
internal sealed partial class JpegReader
{
    private int DecodeSequentialScan(ReadOnlySpan<byte> data, int pos, JpegScan scan)
    {
        var reader = new JpegBitReader(data, pos);
        var components = scan.Components;
        foreach (var c in components)
            c.DcPredictor = 0;
        var restartsLeft = _restartInterval;
        var nextRestart = 0;

        if (components.Length == 1)
        {
            // Non-interleaved: one block per MCU over the component's own block grid.
            var c = components[0];
            var stride = c.Stride;
            for (var by = 0; by < c.BlocksPerColumn; by++)
            {
                for (var bx = 0; bx < c.BlocksPerLine; bx++)
                {
                    if (_restartInterval > 0)
                    {
                        if (restartsLeft == 0)
                        {
                            Restart(data, ref reader, ref nextRestart, components);
                            restartsLeft = _restartInterval;
                        }
                        restartsLeft--;
                    }
                    DecodeAndTransformBlock(ref reader, c, by * 8 * stride + bx * 8);
                    if (reader.Overrun)
                        FailTruncated();
                }
            }
        }
        else
        {
            for (var my = 0; my < _mcusPerColumn; my++)
            {
                for (var mx = 0; mx < _mcusPerLine; mx++)
                {
                    if (_restartInterval > 0)
                    {
                        if (restartsLeft == 0)
                        {
                            Restart(data, ref reader, ref nextRestart, components);
                            restartsLeft = _restartInterval;
                        }
                        restartsLeft--;
                    }
                    foreach (var c in components)
                    {
                        var stride = c.Stride;
                        var origin = my * c.V * 8 * stride + mx * c.H * 8;
                        for (var v = 0; v < c.V; v++)
                        {
                            for (var h = 0; h < c.H; h++)
                                DecodeAndTransformBlock(ref reader, c, origin + v * 8 * stride + h * 8);
                        }
                    }
                    if (reader.Overrun)
                        FailTruncated();
                }
            }
        }
        return reader.Position;
    }

    /// <summary>Handles a restart marker: checks it, realigns the reader after it and resets the predictors.</summary>
    private void Restart(ReadOnlySpan<byte> data, ref JpegBitReader reader, ref int nextRestart, JpegComponent[] components)
    {
        if (reader.Overrun)
            FailTruncated();
        var pos = reader.Position;
        var marker = NextMarker(data, ref pos);
        if (marker < 0)
            FailTruncated();
        if (marker != 0xD0 + nextRestart)
            Fail($"expected restart marker RST{nextRestart}, found marker 0xFF{marker:X2}");
        nextRestart = (nextRestart + 1) & 7;
        reader.Reset(pos);
        foreach (var c in components)
            c.DcPredictor = 0;
        _eobRun = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DecodeAndTransformBlock(ref JpegBitReader reader, JpegComponent c, int offset)
    {
        var block = _block.AsSpan();
        var last = DecodeBlock(ref reader, c, block);
        var quant = c.Quant!;
        if (last == 0)
        {
            JpegIdct.TransformDcOnly(block[0] * quant[0], c.Plane, offset, c.Stride);
            block[0] = 0;
        }
        else
        {
            JpegIdct.Transform(block, quant, _workspace, c.Plane, offset, c.Stride);
            block.Clear();
        }
    }

    /// <summary>
    /// Decodes one block's coefficients (natural order); returns the zig-zag index of the last coded one. The bit
    /// buffer is kept in locals for the duration of the block and stored back at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DecodeBlock(ref JpegBitReader reader, JpegComponent c, Span<short> block)
    {
        const int peekShift = 64 - JpegHuffmanTable.LookupBits;
        if (reader.Count < 32)
            reader.Fill();
        var bits = reader.Bits;
        var count = reader.Count;

        var dcTable = c.DcTable!;
        int entry = dcTable.Lookup[(int)(bits >> peekShift)];
        if (entry == 0)
        {
            entry = JpegBitReader.DecodeLong(dcTable, bits);
            if (entry < 0)
                FailBadCode();
        }
        var length = entry >> 8;
        var s = entry & 0xFF;
        bits <<= length;
        var raw = (int)((bits >> 1) >> (63 - s));
        bits <<= s;
        count -= length + s;
        var dc = c.DcPredictor + JpegBitReader.Extend(raw, s);
        c.DcPredictor = dc;
        block[0] = (short)dc;

        var ac = c.AcTable!;
        var fastAc = ac.FastAc;
        var lookup = ac.Lookup;
        var natural = JpegTables.NaturalOrder;
        var last = 0;
        for (var k = 1; k < 64; k++)
        {
            if (count < 32)
            {
                reader.Bits = bits;
                reader.Count = count;
                reader.Fill();
                bits = reader.Bits;
                count = reader.Count;
            }
            var peek = (int)(bits >> peekShift);
            var fast = fastAc[peek];
            if (fast != 0)
            {
                // Code and value bits resolved together.
                var n = fast & 0xFF;
                bits <<= n;
                count -= n;
                k += (fast >> 8) & 0xFF;
                block[natural[k]] = (short)(fast >> 16);
                last = k;
                continue;
            }
            entry = lookup[peek];
            if (entry == 0)
            {
                entry = JpegBitReader.DecodeLong(ac, bits);
                if (entry < 0)
                    FailBadCode();
            }
            length = entry >> 8;
            bits <<= length;
            count -= length;
            var run = (entry >> 4) & 15;
            var size = entry & 15;
            if (size != 0)
            {
                k += run;
                raw = (int)((bits >> 1) >> (63 - size));
                bits <<= size;
                count -= size;
                block[natural[k]] = (short)JpegBitReader.Extend(raw, size);
                last = k;
            }
            else
            {
                if (run != 15)
                    break;
                k += 15;
            }
        }
        reader.Bits = bits;
        reader.Count = count;
        return last;
    }

    [DoesNotReturn]
    private void FailTruncated() => Fail("truncated: entropy-coded data ends before the last MCU");

    [DoesNotReturn]
    private void FailBadCode() => Fail("corrupt entropy-coded data: Huffman code not in table");
}
