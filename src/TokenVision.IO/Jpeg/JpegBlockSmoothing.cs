namespace TokenVision.IO.Jpeg;

/// <summary>
/// libjpeg's inter-block smoothing for progressive images whose scans leave some of the first nine AC coefficients
/// imprecise: each such coefficient that is still zero is estimated from the DC values of the 5x5 neighbouring
/// blocks (and, when no AC data arrived at all, the DC itself is re-estimated), before the inverse DCT. The
/// neighbourhood follows libjpeg-turbo's row and column bookkeeping exactly, including how it clamps at edges.
/// </summary>
internal static class JpegBlockSmoothing
{
    // Natural-order positions of zig-zag coefficients 1..9.
    private const int Q01 = 1;
    private const int Q10 = 8;
    private const int Q20 = 16;
    private const int Q11 = 9;
    private const int Q02 = 2;
    private const int Q03 = 3;
    private const int Q12 = 10;
    private const int Q21 = 17;
    private const int Q30 = 24;

    /// <summary>
    /// True when libjpeg would smooth: every component's DC is at least partly known, its quantizers for DC and the
    /// first nine AC coefficients are nonzero, and some component still lacks full precision in one of those AC
    /// coefficients.
    /// </summary>
    public static bool IsUseful(JpegComponent[] components)
    {
        var useful = false;
        foreach (var c in components)
        {
            var q = c.QuantValues!;
            if (q[0] == 0 || q[Q01] == 0 || q[Q10] == 0 || q[Q20] == 0 || q[Q11] == 0 ||
                q[Q02] == 0 || q[Q03] == 0 || q[Q12] == 0 || q[Q21] == 0 || q[Q30] == 0)
                return false;
            var bits = c.CoefficientBits;
            if (bits[0] < 0)
                return false;
            for (var k = 1; k <= 9; k++)
                useful |= bits[k] != 0;
        }
        return useful;
    }

    /// <summary>Smooths and inverse-transforms every block of <paramref name="c"/> into its plane.</summary>
    public static void Transform(JpegComponent c, int imcuRows, short[] block, int[] dequantized, int[] workspace)
    {
        var bits = c.CoefficientBits;
        var changeDc = true;
        for (var k = 1; k <= 9; k++)
            changeDc &= bits[k] == -1;
        var q = c.QuantValues!;
        long q00 = q[0], q01 = q[Q01], q10 = q[Q10], q20 = q[Q20], q11 = q[Q11], q02 = q[Q02];
        long q03 = q[Q03], q12 = q[Q12], q21 = q[Q21], q30 = q[Q30];
        var coefficients = c.Coefficients;
        var perLine = c.PaddedBlocksPerLine;
        var lastColumn = c.BlocksPerLine - 1;
        var lastImcu = imcuRows - 1;
        var v = c.V;

        for (var row = 0; row < c.BlocksPerColumn; row++)
        {
            var imcu = row / v;
            var blockRow = row % v;
            var blockRows = imcu < lastImcu ? v : c.BlocksPerColumn % v == 0 ? v : c.BlocksPerColumn % v;
            var prev = row > 0 ? row - 1 : row;
            var prevPrev = blockRow > 1 || imcu > 1 ? row - 2 : prev;
            var next = blockRow < blockRows - 1 || imcu < lastImcu ? row + 1 : row;
            var nextNext = blockRow < blockRows - 2 || imcu + 1 < lastImcu ? row + 2 : next;
            int Dc(int r, int column) => coefficients[(r * perLine + column) * 64];

            // Sliding 5x5 window of DC values: dcR[i] is row R's DC at column offset i - 2.
            int dc01, dc02, dc03, dc04, dc05, dc06, dc07, dc08, dc09, dc10, dc11, dc12, dc13, dc14, dc15;
            int dc16, dc17, dc18, dc19, dc20, dc21, dc22, dc23, dc24, dc25;
            dc01 = dc02 = dc03 = dc04 = dc05 = Dc(prevPrev, 0);
            dc06 = dc07 = dc08 = dc09 = dc10 = Dc(prev, 0);
            dc11 = dc12 = dc13 = dc14 = dc15 = Dc(row, 0);
            dc16 = dc17 = dc18 = dc19 = dc20 = Dc(next, 0);
            dc21 = dc22 = dc23 = dc24 = dc25 = Dc(nextNext, 0);

            for (var column = 0; column <= lastColumn; column++)
            {
                coefficients.AsSpan((row * perLine + column) * 64, 64).CopyTo(block);
                if (column == 0 && column < lastColumn)
                {
                    dc04 = Dc(prevPrev, 1);
                    dc09 = Dc(prev, 1);
                    dc14 = Dc(row, 1);
                    dc19 = Dc(next, 1);
                    dc24 = Dc(nextNext, 1);
                }
                if (column + 1 < lastColumn)
                {
                    dc05 = Dc(prevPrev, column + 2);
                    dc10 = Dc(prev, column + 2);
                    dc15 = Dc(row, column + 2);
                    dc20 = Dc(next, column + 2);
                    dc25 = Dc(nextNext, column + 2);
                }

                if (bits[1] != 0 && block[Q01] == 0)
                {
                    block[Q01] = Predict(q00 * (changeDc
                        ? -dc01 - dc02 + dc04 + dc05 - 3 * dc06 + 13 * dc07 - 13 * dc09 + 3 * dc10 - 3 * dc11 + 38 * dc12 - 38 * dc14 +
                          3 * dc15 - 3 * dc16 + 13 * dc17 - 13 * dc19 + 3 * dc20 - dc21 - dc22 + dc24 + dc25
                        : -7 * dc11 + 50 * dc12 - 50 * dc14 + 7 * dc15), q01, bits[1]);
                }
                if (bits[2] != 0 && block[Q10] == 0)
                {
                    block[Q10] = Predict(q00 * (changeDc
                        ? -dc01 - 3 * dc02 - 3 * dc03 - 3 * dc04 - dc05 - dc06 + 13 * dc07 + 38 * dc08 + 13 * dc09 - dc10 + dc16 -
                          13 * dc17 - 38 * dc18 - 13 * dc19 + dc20 + dc21 + 3 * dc22 + 3 * dc23 + 3 * dc24 + dc25
                        : -7 * dc03 + 50 * dc08 - 50 * dc18 + 7 * dc23), q10, bits[2]);
                }
                if (bits[3] != 0 && block[Q20] == 0)
                {
                    block[Q20] = Predict(q00 * (changeDc
                        ? dc03 + 2 * dc07 + 7 * dc08 + 2 * dc09 - 5 * dc12 - 14 * dc13 - 5 * dc14 + 2 * dc17 + 7 * dc18 + 2 * dc19 + dc23
                        : -dc03 + 13 * dc08 - 24 * dc13 + 13 * dc18 - dc23), q20, bits[3]);
                }
                if (bits[4] != 0 && block[Q11] == 0)
                {
                    block[Q11] = Predict(q00 * (changeDc
                        ? -dc01 + dc05 + 9 * dc07 - 9 * dc09 - 9 * dc17 + 9 * dc19 + dc21 - dc25
                        : dc10 + dc16 - 10 * dc17 + 10 * dc19 - dc02 - dc20 + dc22 - dc24 + dc04 - dc06 + 10 * dc07 - 10 * dc09), q11, bits[4]);
                }
                if (bits[5] != 0 && block[Q02] == 0)
                {
                    block[Q02] = Predict(q00 * (changeDc
                        ? 2 * dc07 - 5 * dc08 + 2 * dc09 + dc11 + 7 * dc12 - 14 * dc13 + 7 * dc14 + dc15 + 2 * dc17 - 5 * dc18 + 2 * dc19
                        : -dc11 + 13 * dc12 - 24 * dc13 + 13 * dc14 - dc15), q02, bits[5]);
                }
                if (changeDc)
                {
                    if (bits[6] != 0 && block[Q03] == 0)
                        block[Q03] = Predict(q00 * (dc07 - dc09 + 2 * dc12 - 2 * dc14 + dc17 - dc19), q03, bits[6]);
                    if (bits[7] != 0 && block[Q12] == 0)
                        block[Q12] = Predict(q00 * (dc07 - 3 * dc08 + dc09 - dc17 + 3 * dc18 - dc19), q12, bits[7]);
                    if (bits[8] != 0 && block[Q21] == 0)
                        block[Q21] = Predict(q00 * (dc07 - dc09 - 3 * dc12 + 3 * dc14 + dc17 - dc19), q21, bits[8]);
                    if (bits[9] != 0 && block[Q30] == 0)
                        block[Q30] = Predict(q00 * (dc07 + 2 * dc08 + dc09 - dc17 - 2 * dc18 - dc19), q30, bits[9]);
                    block[0] = Predict(q00 * (-2 * dc01 - 6 * dc02 - 8 * dc03 - 6 * dc04 - 2 * dc05 - 6 * dc06 + 6 * dc07 + 42 * dc08 +
                        6 * dc09 - 6 * dc10 - 8 * dc11 + 42 * dc12 + 152 * dc13 + 42 * dc14 - 8 * dc15 - 6 * dc16 + 6 * dc17 +
                        42 * dc18 + 6 * dc19 - 6 * dc20 - 2 * dc21 - 6 * dc22 - 8 * dc23 - 6 * dc24 - 2 * dc25), q00, 0);
                }

                JpegIdct.Transform(block, c.Quant!, dequantized, workspace, c.Plane, row * 8 * c.Stride + column * 8, c.Stride);

                dc01 = dc02; dc02 = dc03; dc03 = dc04; dc04 = dc05;
                dc06 = dc07; dc07 = dc08; dc08 = dc09; dc09 = dc10;
                dc11 = dc12; dc12 = dc13; dc13 = dc14; dc14 = dc15;
                dc16 = dc17; dc17 = dc18; dc18 = dc19; dc19 = dc20;
                dc21 = dc22; dc22 = dc23; dc23 = dc24; dc24 = dc25;
            }
        }
    }

    /// <summary>
    /// Rounds num / (q * 256) to the nearest integer, symmetrically about zero; when the coefficient's precision is
    /// known to <paramref name="al"/> bits (al &gt; 0) the magnitude stays below 2^al.
    /// </summary>
    private static short Predict(long num, long q, int al)
    {
        var magnitude = (int)(((q << 7) + Math.Abs(num)) / (q << 8));
        if (al > 0 && magnitude >= 1 << al)
            magnitude = (1 << al) - 1;
        return (short)(num >= 0 ? magnitude : -magnitude);
    }
}
