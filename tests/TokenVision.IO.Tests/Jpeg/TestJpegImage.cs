namespace TokenVision.IO.Tests.Jpeg;

/// <summary>One component of a <see cref="TestJpegImage"/>: sampling, quantization table and quantized coefficients.</summary>
internal sealed record TestJpegComponent(int Id, int H, int V, int QuantTable, int BlocksPerLine, int BlocksPerColumn, int PaddedBlocksPerLine, short[] Coefficients);

/// <summary>
/// Quantized DCT coefficients of a deterministic synthetic picture, ready for <see cref="TestJpegWriter"/>: a
/// float forward DCT of box-downsampled components, quantized with the Annex K tables scaled as libjpeg's quality
/// setting does.
/// </summary>
internal sealed class TestJpegImage
{
    private static readonly int[] s_luminance =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    private static readonly int[] s_chrominance =
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ];

    private TestJpegImage(int width, int height, TestJpegComponent[] components, int[][] quantTables, int mcusPerLine, int mcusPerColumn)
    {
        Width = width;
        Height = height;
        Components = components;
        QuantTables = quantTables;
        McusPerLine = mcusPerLine;
        McusPerColumn = mcusPerColumn;
    }

    public int Width { get; }

    public int Height { get; }

    public TestJpegComponent[] Components { get; }

    /// <summary>Quantization tables in natural order.</summary>
    public int[][] QuantTables { get; }

    public int McusPerLine { get; }

    public int McusPerColumn { get; }

    /// <summary>A deterministic RGB test picture: gradients, a disc with sharp colour edges, stripes and seeded noise.</summary>
    public static byte[] Picture(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var dx = x - width * 0.4;
                var dy = y - height * 0.55;
                var inDisc = dx * dx + dy * dy < 0.09 * (width * width + height * height) / 2;
                var stripe = ((x + 2 * y) / 5 & 1) == 0;
                double r = 255.0 * x / Math.Max(1, width - 1);
                double g = 255.0 * y / Math.Max(1, height - 1);
                var b = 128 + 100 * Math.Sin(x * 0.3) * Math.Cos(y * 0.2);
                if (inDisc)
                    (r, g, b) = (230, 40, stripe ? 200 : 20);
                var noise = random.Next(-12, 13);
                var i = (y * width + x) * 3;
                rgb[i] = (byte)Math.Clamp(r + noise, 0, 255);
                rgb[i + 1] = (byte)Math.Clamp(g - noise, 0, 255);
                rgb[i + 2] = (byte)Math.Clamp(b + noise, 0, 255);
            }
        }
        return rgb;
    }

    /// <summary>
    /// Analyses <paramref name="rgb"/> into components with the given sampling factors: one component (gray),
    /// or three (YCbCr, or R, G, B when <paramref name="rgbColorSpace"/>).
    /// </summary>
    public static TestJpegImage Create(byte[] rgb, int width, int height, (int H, int V)[] sampling, int quality = 85, bool rgbColorSpace = false)
    {
        var count = sampling.Length;
        var planes = new double[count][];
        for (var c = 0; c < count; c++)
            planes[c] = new double[width * height];
        for (var i = 0; i < width * height; i++)
        {
            double r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            if (count == 1 || !rgbColorSpace)
            {
                planes[0][i] = 0.299 * r + 0.587 * g + 0.114 * b;
                if (count == 3)
                {
                    planes[1][i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
                    planes[2][i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
                }
            }
            else
            {
                planes[0][i] = r;
                planes[1][i] = g;
                planes[2][i] = b;
            }
        }

        var scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
        int[] Scaled(int[] basis) => basis.Select(q => Math.Clamp((q * scale + 50) / 100, 1, 32767)).ToArray();
        var quantTables = count == 1 ? [Scaled(s_luminance)] : new[] { Scaled(s_luminance), Scaled(s_chrominance) };

        var maxH = sampling.Max(s => s.H);
        var maxV = sampling.Max(s => s.V);
        var mcusPerLine = (width + 8 * maxH - 1) / (8 * maxH);
        var mcusPerColumn = (height + 8 * maxV - 1) / (8 * maxV);
        var components = new TestJpegComponent[count];
        for (var c = 0; c < count; c++)
        {
            var (h, v) = sampling[c];
            var sx = maxH / h;
            var sy = maxV / v;
            var dw = (width * h + maxH - 1) / maxH;
            var dh = (height * v + maxV - 1) / maxV;
            var paddedW = mcusPerLine * h;
            var paddedH = mcusPerColumn * v;
            var samples = new double[paddedW * 8 * paddedH * 8];
            for (var y = 0; y < paddedH * 8; y++)
            {
                for (var x = 0; x < paddedW * 8; x++)
                {
                    // Box average over the full-resolution pixels, replicating the edges.
                    var cx = Math.Min(x, dw - 1);
                    var cy = Math.Min(y, dh - 1);
                    double sum = 0;
                    for (var j = 0; j < sy; j++)
                    {
                        for (var i = 0; i < sx; i++)
                            sum += planes[c][Math.Min(cy * sy + j, height - 1) * width + Math.Min(cx * sx + i, width - 1)];
                    }
                    samples[y * paddedW * 8 + x] = sum / (sx * sy);
                }
            }
            var quant = quantTables[Math.Min(c, quantTables.Length - 1)];
            var coefficients = new short[paddedW * paddedH * 64];
            for (var by = 0; by < paddedH; by++)
            {
                for (var bx = 0; bx < paddedW; bx++)
                    ForwardDct(samples, paddedW * 8, bx * 8, by * 8, quant, coefficients.AsSpan((by * paddedW + bx) * 64, 64));
            }
            var id = rgbColorSpace ? "RGB"[c] : c + 1;
            components[c] = new TestJpegComponent(id, h, v, Math.Min(c, quantTables.Length - 1), (dw + 7) / 8, (dh + 7) / 8, paddedW, coefficients);
        }
        return new TestJpegImage(width, height, components, quantTables, mcusPerLine, mcusPerColumn);
    }

    private static void ForwardDct(double[] samples, int stride, int x0, int y0, int[] quant, Span<short> output)
    {
        for (var v = 0; v < 8; v++)
        {
            for (var u = 0; u < 8; u++)
            {
                double sum = 0;
                for (var y = 0; y < 8; y++)
                {
                    for (var x = 0; x < 8; x++)
                        sum += (samples[(y0 + y) * stride + x0 + x] - 128) * Math.Cos((2 * x + 1) * u * Math.PI / 16) * Math.Cos((2 * y + 1) * v * Math.PI / 16);
                }
                var cu = u == 0 ? Math.Sqrt(0.5) : 1;
                var cv = v == 0 ? Math.Sqrt(0.5) : 1;
                output[v * 8 + u] = (short)Math.Round(0.25 * cu * cv * sum / quant[v * 8 + u]);
            }
        }
    }
}
