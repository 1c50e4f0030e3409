namespace TokenVision.IO.Jpeg;

/// <summary>
/// Turns decoded component planes into interleaved output rows: libjpeg's chroma upsampling ("fancy" triangular
/// h2v1 / h1v2 / h2v2 filters, plain replication for other integral ratios and for planes at most 2 samples wide)
/// followed by its fixed-point YCbCr to RGB conversion.
/// </summary>
internal static class JpegRenderer
{
    private const int ScaleBits = 16;
    private const int OneHalf = 1 << (ScaleBits - 1);

    // libjpeg's conversion tables, indexed by the chroma sample (x = sample - 128).
    private static readonly int[] s_crToR = BuildTable(x => (Fix(1.40200) * x + OneHalf) >> ScaleBits);
    private static readonly int[] s_cbToB = BuildTable(x => (Fix(1.77200) * x + OneHalf) >> ScaleBits);
    private static readonly int[] s_crToG = BuildTable(x => -Fix(0.71414) * x);
    private static readonly int[] s_cbToG = BuildTable(x => -Fix(0.34414) * x + OneHalf);

    private static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);

    private static int[] BuildTable(Func<int, int> f)
    {
        var table = new int[256];
        for (var i = 0; i < 256; i++)
            table[i] = f(i - 128);
        return table;
    }

    /// <summary>Renders the planes of <paramref name="components"/> into a <c>[height, width, channels]</c> buffer.</summary>
    public static byte[] Render(JpegComponent[] components, int width, int height, int maxH, int maxV, JpegColorTransform transform)
    {
        var channels = transform == JpegColorTransform.Gray ? 1 : 3;
        var output = new byte[width * height * channels];
        var upsamplers = new JpegUpsampler[components.Length];
        for (var i = 0; i < components.Length; i++)
            upsamplers[i] = new JpegUpsampler(components[i], maxH, maxV);

        for (var y = 0; y < height; y++)
        {
            var dst = output.AsSpan(y * width * channels, width * channels);
            if (transform == JpegColorTransform.Gray)
            {
                upsamplers[0].Row(y)[..width].CopyTo(dst);
                continue;
            }
            var c0 = upsamplers[0].Row(y)[..width];
            var c1 = upsamplers[1].Row(y)[..width];
            var c2 = upsamplers[2].Row(y)[..width];
            if (transform == JpegColorTransform.Rgb)
                Interleave(c0, c1, c2, dst);
            else
                YCbCrToRgb(c0, c1, c2, dst);
        }
        return output;
    }

    private static void Interleave(ReadOnlySpan<byte> r, ReadOnlySpan<byte> g, ReadOnlySpan<byte> b, Span<byte> dst)
    {
        for (var x = 0; x < r.Length; x++)
        {
            dst[3 * x] = r[x];
            dst[3 * x + 1] = g[x];
            dst[3 * x + 2] = b[x];
        }
    }

    private static void YCbCrToRgb(ReadOnlySpan<byte> yRow, ReadOnlySpan<byte> cbRow, ReadOnlySpan<byte> crRow, Span<byte> dst)
    {
        var crToR = s_crToR;
        var cbToB = s_cbToB;
        var crToG = s_crToG;
        var cbToG = s_cbToG;
        for (var x = 0; x < yRow.Length; x++)
        {
            int y = yRow[x];
            int cb = cbRow[x];
            int cr = crRow[x];
            dst[3 * x] = Clamp(y + crToR[cr]);
            dst[3 * x + 1] = Clamp(y + ((cbToG[cb] + crToG[cr]) >> ScaleBits));
            dst[3 * x + 2] = Clamp(y + cbToB[cb]);
        }
    }

    private static byte Clamp(int v) => (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;
}
