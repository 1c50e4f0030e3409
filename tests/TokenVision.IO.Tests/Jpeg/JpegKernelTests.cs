using TokenVision.IO.Jpeg;
using Xunit;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>The vectorized IDCT and colour conversion against their scalar references (libjpeg's formulas as written).</summary>
public sealed class JpegKernelTests
{
    [Fact]
    public void Idct_MatchesScalarReference()
    {
        var random = new Random(1234);
        var coefficients = new short[64];
        var quant = new int[64];
        var workspace = new int[64];
        var actual = new byte[8 * 11];
        var expected = new byte[8 * 11];
        for (var trial = 0; trial < 5000; trial++)
        {
            // Dequantized values stay within 16 bits, the range real encoders produce (and libjpeg-turbo's SIMD assumes).
            Array.Clear(coefficients);
            var nonzero = trial % 4 == 0 ? 64 : random.Next(1, 12);
            for (var i = 0; i < 64; i++)
                quant[i] = random.Next(1, trial % 3 == 0 ? 256 : 40);
            for (var n = 0; n < nonzero; n++)
            {
                var k = n == 0 ? 0 : random.Next(64);
                var limit = 32767 / quant[k];
                coefficients[k] = (short)random.Next(-limit, limit + 1);
            }
            var dequantized = new int[64];
            for (var i = 0; i < 64; i++)
                dequantized[i] = coefficients[i] * quant[i];
            JpegIdct.Transform(coefficients, quant, new int[64], workspace, actual, 3, 11);
            JpegIdct.TransformScalar(dequantized, workspace, expected, 3, 11);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Idct_ExtremeInputsStayInRange()
    {
        var random = new Random(99);
        var coefficients = new short[64];
        var quant = new int[64];
        var output = new byte[64];
        for (var trial = 0; trial < 500; trial++)
        {
            for (var i = 0; i < 64; i++)
            {
                coefficients[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
                quant[i] = (short)random.Next(0, 65536);
            }
            JpegIdct.Transform(coefficients, quant, new int[64], new int[64], output, 0, 8);
        }
    }

    [Fact]
    public void YCbCrToRgb_MatchesLibjpegFormulaAtEveryWidth()
    {
        var random = new Random(5);
        for (var width = 0; width <= 100; width++)
        {
            var y = new byte[width];
            var cb = new byte[width];
            var cr = new byte[width];
            random.NextBytes(y);
            random.NextBytes(cb);
            random.NextBytes(cr);
            var actual = new byte[3 * width];
            JpegRenderer.YCbCrToRgb(y, cb, cr, actual);
            for (var x = 0; x < width; x++)
            {
                int yy = y[x], b = cb[x] - 128, r = cr[x] - 128;
                // jdcolor.c: FIX(x) = (int)(x * 65536 + 0.5), ONE_HALF = 32768.
                Assert.Equal(Clamp(yy + ((91881 * r + 32768) >> 16)), actual[3 * x]);
                Assert.Equal(Clamp(yy + ((-22554 * b + 32768 - 46802 * r) >> 16)), actual[3 * x + 1]);
                Assert.Equal(Clamp(yy + ((116130 * b + 32768) >> 16)), actual[3 * x + 2]);
            }
        }
    }

    [Fact]
    public void YCbCrToRgb_IsExactForEverySample()
    {
        // Every (Y, Cb, Cr): rows of 65536 pixels (all Cb, Cr pairs) for each Y.
        var cb = new byte[65536];
        var cr = new byte[65536];
        for (var i = 0; i < 65536; i++)
        {
            cb[i] = (byte)(i >> 8);
            cr[i] = (byte)i;
        }
        var y = new byte[65536];
        var actual = new byte[3 * 65536];
        for (var luma = 0; luma < 256; luma++)
        {
            Array.Fill(y, (byte)luma);
            JpegRenderer.YCbCrToRgb(y, cb, cr, actual);
            for (var i = 0; i < 65536; i++)
            {
                int b = cb[i] - 128, r = cr[i] - 128;
                if (actual[3 * i] != Clamp(luma + ((91881 * r + 32768) >> 16)) ||
                    actual[3 * i + 1] != Clamp(luma + ((-22554 * b + 32768 - 46802 * r) >> 16)) ||
                    actual[3 * i + 2] != Clamp(luma + ((116130 * b + 32768) >> 16)))
                    Assert.Fail($"Y={luma} Cb={cb[i]} Cr={cr[i]}: got {actual[3 * i]},{actual[3 * i + 1]},{actual[3 * i + 2]}");
            }
        }
    }

    [Fact]
    public void Interleave_MatchesScalarAtEveryWidth()
    {
        var random = new Random(6);
        for (var width = 0; width <= 70; width++)
        {
            var planes = new byte[3][];
            for (var c = 0; c < 3; c++)
            {
                planes[c] = new byte[width];
                random.NextBytes(planes[c]);
            }
            var actual = new byte[3 * width];
            JpegRenderer.Interleave(planes[0], planes[1], planes[2], actual);
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                    Assert.Equal(planes[c][x], actual[3 * x + c]);
            }
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
