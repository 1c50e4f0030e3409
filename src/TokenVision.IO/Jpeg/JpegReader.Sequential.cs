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

    /// <summary>Decodes one block's coefficients (natural order); returns the zig-zag index of the last coded one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DecodeBlock(ref JpegBitReader reader, JpegComponent c, Span<short> block)
    {
        reader.Ensure32();
        var s = reader.DecodeSymbol(c.DcTable!);
        if (s < 0)
            FailBadCode();
        var dc = c.DcPredictor + reader.ReceiveExtend(s);
        c.DcPredictor = dc;
        block[0] = (short)dc;

        var ac = c.AcTable!;
        var fastAc = ac.FastAc;
        var natural = JpegTables.NaturalOrder;
        var last = 0;
        for (var k = 1; k < 64; k++)
        {
            reader.Ensure32();
            var fast = fastAc[reader.Peek9()];
            if (fast != 0)
            {
                reader.Skip(fast & 0xFF);
                k += (fast >> 8) & 0xFF;
                block[natural[k]] = (short)(fast >> 16);
                last = k;
                continue;
            }
            var rs = reader.DecodeSymbol(ac);
            if (rs < 0)
                FailBadCode();
            var run = rs >> 4;
            var size = rs & 15;
            if (size != 0)
            {
                k += run;
                block[natural[k]] = (short)reader.ReceiveExtend(size);
                last = k;
            }
            else
            {
                if (run != 15)
                    break;
                k += 15;
            }
        }
        return last;
    }

    [DoesNotReturn]
    private void FailTruncated() => Fail("truncated: entropy-coded data ends before the last MCU");

    [DoesNotReturn]
    private void FailBadCode() => Fail("corrupt entropy-coded data: Huffman code not in table");
}
