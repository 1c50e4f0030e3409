using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TokenVision.IO.Jpeg;

/// <summary>Baseline and extended sequential Huffman scans: each block is decoded and transformed straight into its plane.</summary>
internal sealed partial class JpegReader
{
    private int DecodeSequentialScan(ReadOnlySpan<byte> data, int pos, JpegScan scan)
    {
        var reader = new JpegBitReader(_segmentBuffer);
        reader.Begin(data, pos);
        var components = scan.Components;
        foreach (var c in components)
            c.DcPredictor = 0;
        var restart = new RestartState(_restartInterval);

        if (components.Length == 1)
        {
            // Non-interleaved: one block per MCU over the component's own block grid.
            var c = components[0];
            var stride = c.Stride;
            for (var by = 0; by < c.BlocksPerColumn; by++)
            {
                for (var bx = 0; bx < c.BlocksPerLine; bx++)
                {
                    BeginMcu(data, ref reader, ref restart, components);
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
                    BeginMcu(data, ref reader, ref restart, components);
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
        return reader.SegmentEnd;
    }

    /// <summary>MCUs left before the next restart marker, and that marker's number.</summary>
    private struct RestartState(int interval)
    {
        public int Left = interval;
        public int Next;
    }

    /// <summary>Before each MCU: when the restart interval is used up, expects RSTn, realigns the reader after it and resets the predictors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BeginMcu(ReadOnlySpan<byte> data, ref JpegBitReader reader, ref RestartState restart, JpegComponent[] components)
    {
        if (_restartInterval == 0)
            return;
        if (restart.Left == 0)
        {
            Restart(data, ref reader, restart.Next, components);
            restart.Next = (restart.Next + 1) & 7;
            restart.Left = _restartInterval;
        }
        restart.Left--;
    }

    private void Restart(ReadOnlySpan<byte> data, ref JpegBitReader reader, int expected, JpegComponent[] components)
    {
        if (reader.Overrun)
            FailTruncated();
        var pos = reader.SegmentEnd;
        var marker = NextMarker(data, ref pos);
        if (marker < 0)
            FailTruncated();
        if (marker != 0xD0 + expected)
            Fail($"expected restart marker RST{expected}, found marker 0xFF{marker:X2}");
        reader.Begin(data, pos);
        foreach (var c in components)
            c.DcPredictor = 0;
        _eobRun = 0;
    }

    /// <summary>Decodes one block and transforms it into the component's plane at <paramref name="offset"/>.</summary>
    /// <remarks>Kept out of the MCU loops so that the hot loop is compiled on its own, with few live values.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DecodeAndTransformBlock(ref JpegBitReader reader, JpegComponent c, int offset)
    {
        var block = _dequantized;
        var last = DecodeBlock(ref reader, c, block);
        if (last == 0)
        {
            JpegIdct.TransformDcOnly(block[0], c.Plane, offset, c.Stride);
            block[0] = 0;
        }
        else
        {
            JpegIdct.Transform(block, _workspace, c.Plane, offset, c.Stride);
            ClearBlock(block);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearBlock(int[] block)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            var rows = MemoryMarshal.Cast<int, Vector256<int>>(block.AsSpan(0, 64));
            for (var i = 0; i < 8; i++)
                rows[i] = Vector256<int>.Zero;
        }
        else
        {
            Array.Clear(block);
        }
    }

    /// <summary>
    /// Decodes one block's coefficients, dequantized (as libjpeg's IDCT does, from the 16-bit coefficient and
    /// multiplier), into <paramref name="block"/> in natural order (64 entries, all zero on entry); returns the zig-zag
    /// index of the last coded one. The bit buffer lives in locals for the duration of the block.
    /// </summary>
    /// <remarks>
    /// Table and block accesses go through references without bounds checks, each provably in range: lookahead
    /// indices are the top 9 or 11 bits of the buffer (tables of 512 and 2048 entries); the zig-zag index k is at
    /// most 63 + 15 = 78 when used (the natural-order table has 80 entries); natural-order entries are at most 63.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DecodeBlock(ref JpegBitReader reader, JpegComponent c, int[] block)
    {
        const int peekShift = 64 - JpegHuffmanTable.LookupBits;
        const int fastShift = 64 - JpegHuffmanTable.FastBits;
        var bits = reader.Bits;
        var count = reader.Count;
        if (count < 32)
        {
            bits |= reader.Load() >> count;
            count += reader.Advance(count);
        }
        ref var coefficients = ref MemoryMarshal.GetArrayDataReference(block);
        Debug.Assert(block.Length == 64 && c.Quant!.Length == 64);

        var dcTable = c.DcTable!;
        int entry = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dcTable.Lookup), (nint)(bits >> peekShift));
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
        ref var quant = ref MemoryMarshal.GetArrayDataReference(c.Quant!);   // 64 entries, natural order
        coefficients = (short)dc * quant;

        var ac = c.AcTable!;
        ref var fastAc = ref MemoryMarshal.GetArrayDataReference(ac.FastAc);
        ref var lookup = ref MemoryMarshal.GetArrayDataReference(ac.Lookup);
        ref var natural = ref MemoryMarshal.GetReference(JpegTables.NaturalOrder);
        var last = 0;
        for (var k = 1; k < 64; k++)
        {
            if (count < 32)
            {
                bits |= reader.Load() >> count;
                count += reader.Advance(count);
            }
            var fast = Unsafe.Add(ref fastAc, (nint)(bits >> fastShift));
            if (fast != 0)
            {
                // Code and value bits resolved together; a zero value is the end-of-block code. The shift uses the
                // entry directly: a 64-bit shift takes its count modulo 64, i.e. the low 6 bits, which hold the length.
                bits <<= fast;
                count -= fast & 0xFF;
                var value = fast >> 16;
                if (value == 0)
                    break;
                k += (fast >> 8) & 0xFF;
                int z = Unsafe.Add(ref natural, k);
                Unsafe.Add(ref coefficients, z) = value * Unsafe.Add(ref quant, z);
                last = k;
                continue;
            }
            entry = Unsafe.Add(ref lookup, (nint)(bits >> peekShift));
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
                int z = Unsafe.Add(ref natural, k);
                Unsafe.Add(ref coefficients, z) = (short)JpegBitReader.Extend(raw, size) * Unsafe.Add(ref quant, z);
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
