using TokenVision.IO.Imaging;

namespace TokenVision.Data.Transforms;

/// <summary>
/// Colour and tone operations on 8-bit gray or RGB images, reproducing PIL's <c>ImageOps</c>, <c>ImageEnhance</c>,
/// <c>Image.blend</c> and <c>convert</c> (and torchvision's PIL <c>adjust_hue</c>) byte for byte.
/// </summary>
public static class ImageAdjust
{
    /// <summary>PIL's RGB to "L" conversion (ITU-R 601-2 luma in 16-bit fixed point): <c>(19595 R + 38470 G + 7471 B + 0x8000) &gt;&gt; 16</c>.</summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);

    /// <summary>The image as one luma channel (PIL <c>convert('L')</c>); a gray image is copied.</summary>
    public static Image ToGray(Image image)
    {
        Require(image, "gray conversion");
        if (image.Model == ColorModel.Gray)
            return new Image(image.Width, image.Height, ColorModel.Gray, (byte[])image.Pixels.Clone());
        var n = image.Width * image.Height;
        var dst = new byte[n];
        var p = image.Pixels;
        for (var i = 0; i < n; i++)
            dst[i] = Luma(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
        return new Image(image.Width, image.Height, ColorModel.Gray, dst);
    }

    /// <summary>Replicates a gray image into RGB (PIL <c>convert('RGB')</c>); an RGB image is copied.</summary>
    public static Image ToRgb(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.Model == ColorModel.Rgb && image.BitDepth == 8
            ? new Image(image.Width, image.Height, ColorModel.Rgb, (byte[])image.Pixels.Clone())
            : image.ToRgb();
    }

    /// <summary>Maps every sample through <paramref name="lut"/> (256 entries shared by all channels, or 256 per channel; PIL <c>point</c>).</summary>
    public static Image Point(Image image, ReadOnlySpan<byte> lut)
    {
        Require(image, "point");
        var c = image.Channels;
        if (lut.Length != 256 && lut.Length != 256 * c)
            throw new ArgumentException($"lookup table has {lut.Length} entries; expected 256 or {256 * c}");
        var src = image.Pixels;
        var dst = new byte[src.Length];
        if (lut.Length == 256)
        {
            for (var i = 0; i < src.Length; i++)
                dst[i] = lut[src[i]];
        }
        else
        {
            for (var i = 0; i < src.Length; i += c)
                for (var k = 0; k < c; k++)
                    dst[i + k] = lut[k * 256 + src[i + k]];
        }
        return new Image(image.Width, image.Height, image.Model, dst);
    }

    /// <summary><c>255 - v</c> (PIL <c>ImageOps.invert</c>).</summary>
    public static Image Invert(Image image) => Point(image, BuildLut(static i => 255 - i));

    /// <summary>Keeps the top <paramref name="bits"/> bits of every sample (PIL <c>ImageOps.posterize</c>; 8 or more is a copy).</summary>
    public static Image Posterize(Image image, int bits)
    {
        if (bits >= 8)
            return Point(image, BuildLut(static i => i));
        var mask = ~((1 << (8 - Math.Max(bits, 0))) - 1);
        return Point(image, BuildLut(i => i & mask));
    }

    /// <summary>Inverts samples at or above <paramref name="threshold"/> (PIL <c>ImageOps.solarize</c>).</summary>
    public static Image Solarize(Image image, int threshold) => Point(image, BuildLut(i => i < threshold ? i : 255 - i));

    /// <summary>Adds <paramref name="add"/> (clipped at 255) to samples below <paramref name="threshold"/> (timm's <c>solarize_add</c>).</summary>
    public static Image SolarizeAdd(Image image, int add, int threshold = 128) =>
        Point(image, BuildLut(i => i < threshold ? Math.Min(255, i + add) : i));

    /// <summary>
    /// PIL's <c>ImageOps.autocontrast</c> (no cutoff): per channel, stretches [lowest, highest] present value to [0, 255]
    /// with <c>lut[i] = int(i * scale - lo * scale)</c>, <c>scale = 255 / (hi - lo)</c>.
    /// </summary>
    public static Image AutoContrast(Image image)
    {
        Require(image, "autocontrast");
        var c = image.Channels;
        var hist = Histogram(image);
        var lut = new byte[256 * c];
        for (var k = 0; k < c; k++)
        {
            var h = hist.AsSpan(k * 256, 256);
            var lo = 0;
            while (lo < 255 && h[lo] == 0)
                lo++;
            var hi = 255;
            while (hi > 0 && h[hi] == 0)
                hi--;
            for (var i = 0; i < 256; i++)
            {
                if (hi <= lo)
                {
                    lut[k * 256 + i] = (byte)i;
                    continue;
                }
                var scale = 255.0 / (hi - lo);
                var offset = -lo * scale;
                var v = (int)(i * scale + offset);
                lut[k * 256 + i] = (byte)Math.Clamp(v, 0, 255);
            }
        }
        return Point(image, lut);
    }

    /// <summary>PIL's <c>ImageOps.equalize</c>: per channel, a cumulative-histogram lookup with PIL's integer steps.</summary>
    public static Image Equalize(Image image)
    {
        Require(image, "equalize");
        var c = image.Channels;
        var hist = Histogram(image);
        var lut = new byte[256 * c];
        for (var k = 0; k < c; k++)
        {
            var h = hist.AsSpan(k * 256, 256);
            long total = 0, last = 0;
            var nonZero = 0;
            for (var i = 0; i < 256; i++)
            {
                if (h[i] != 0)
                {
                    total += h[i];
                    last = h[i];
                    nonZero++;
                }
            }
            var step = nonZero <= 1 ? 0 : (total - last) / 256;
            if (step == 0)
            {
                for (var i = 0; i < 256; i++)
                    lut[k * 256 + i] = (byte)i;
                continue;
            }
            var n = step / 2;
            for (var i = 0; i < 256; i++)
            {
                lut[k * 256 + i] = (byte)Math.Min(n / step, 255);
                n += h[i];
            }
        }
        return Point(image, lut);
    }

    /// <summary>
    /// PIL's <c>Image.blend</c>: <c>a + alpha (b - a)</c> in single precision, truncated; outside [0, 1] the result is
    /// clipped to 0..255.
    /// </summary>
    public static Image Blend(Image a, Image b, float alpha)
    {
        Require(a, "blend");
        Require(b, "blend");
        if (a.Width != b.Width || a.Height != b.Height || a.Model != b.Model)
            throw new ArgumentException($"blend needs images of the same size and colour model: {a.Width}x{a.Height} {a.Model} vs {b.Width}x{b.Height} {b.Model}");
        if (alpha == 0.0f)
            return new Image(a.Width, a.Height, a.Model, (byte[])a.Pixels.Clone());
        if (alpha == 1.0f)
            return new Image(b.Width, b.Height, b.Model, (byte[])b.Pixels.Clone());
        var pa = a.Pixels;
        var pb = b.Pixels;
        var dst = new byte[pa.Length];
        if (alpha >= 0 && alpha <= 1.0f)
        {
            for (var i = 0; i < dst.Length; i++)
                dst[i] = (byte)(pa[i] + alpha * (pb[i] - pa[i]));
        }
        else
        {
            for (var i = 0; i < dst.Length; i++)
            {
                var t = pa[i] + alpha * (pb[i] - pa[i]);
                dst[i] = t <= 0.0f ? (byte)0 : t >= 255.0f ? (byte)255 : (byte)t;
            }
        }
        return new Image(a.Width, a.Height, a.Model, dst);
    }

    /// <summary>PIL's <c>ImageEnhance.Brightness(image).enhance(factor)</c>: blend from black.</summary>
    public static Image AdjustBrightness(Image image, double factor)
    {
        Require(image, "brightness");
        return Blend(new Image(image.Width, image.Height, image.Model, new byte[image.Pixels.Length]), image, (float)factor);
    }

    /// <summary>PIL's <c>ImageEnhance.Contrast(image).enhance(factor)</c>: blend from the mean luma, <c>int(mean + 0.5)</c>.</summary>
    public static Image AdjustContrast(Image image, double factor)
    {
        Require(image, "contrast");
        var gray = ToGray(image);
        long sum = 0;
        foreach (var v in gray.Pixels)
            sum += v;
        var mean = (int)((double)sum / gray.Pixels.Length + 0.5);
        var degenerate = new byte[image.Pixels.Length];
        degenerate.AsSpan().Fill((byte)mean);
        return Blend(new Image(image.Width, image.Height, image.Model, degenerate), image, (float)factor);
    }

    /// <summary>PIL's <c>ImageEnhance.Color(image).enhance(factor)</c> (torchvision's saturation): blend from the gray image.</summary>
    public static Image AdjustSaturation(Image image, double factor)
    {
        Require(image, "saturation");
        var gray = ToGray(image);
        var degenerate = image.Model == ColorModel.Gray ? gray : gray.ToRgb();
        return Blend(degenerate, image, (float)factor);
    }

    /// <summary>PIL's <c>ImageEnhance.Sharpness(image).enhance(factor)</c>: blend from the image filtered by <c>ImageFilter.SMOOTH</c>.</summary>
    public static Image AdjustSharpness(Image image, double factor)
    {
        Require(image, "sharpness");
        return Blend(Smooth(image), image, (float)factor);
    }

    /// <summary>
    /// torchvision's PIL <c>adjust_hue</c>: converts to PIL's 8-bit HSV, adds <c>uint8(hue_factor * 255)</c> to H with
    /// wrap-around, converts back. Gray images are returned unchanged (copied).
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="hueFactor">Shift in [-0.5, 0.5] of a full turn.</param>
    public static Image AdjustHue(Image image, double hueFactor)
    {
        Require(image, "hue");
        if (!(hueFactor >= -0.5 && hueFactor <= 0.5))
            throw new ArgumentOutOfRangeException(nameof(hueFactor), hueFactor, "hue factor must be in [-0.5, 0.5]");
        if (image.Model == ColorModel.Gray)
            return new Image(image.Width, image.Height, image.Model, (byte[])image.Pixels.Clone());
        // numpy's float-to-uint8 cast of a negative value wraps through the integer conversion.
        var shift = (byte)(int)(hueFactor * 255);
        var p = image.Pixels;
        var dst = new byte[p.Length];
        for (var i = 0; i < p.Length; i += 3)
        {
            RgbToHsv(p[i], p[i + 1], p[i + 2], out var h, out var s, out var v);
            HsvToRgb((byte)(h + shift), s, v, dst.AsSpan(i, 3));
        }
        return new Image(image.Width, image.Height, image.Model, dst);
    }

    /// <summary>PIL's <c>rgb2hsv</c> (colorsys-style, single precision with double intermediates).</summary>
    internal static void RgbToHsv(byte r, byte g, byte b, out byte h, out byte s, out byte v)
    {
        var maxc = Math.Max(r, Math.Max(g, b));
        var minc = Math.Min(r, Math.Min(g, b));
        v = maxc;
        if (minc == maxc)
        {
            h = 0;
            s = 0;
            return;
        }
        var cr = (float)(maxc - minc);
        var sf = cr / maxc;
        var rc = (maxc - r) / cr;
        var gc = (maxc - g) / cr;
        var bc = (maxc - b) / cr;
        float hf;
        if (r == maxc)
            hf = bc - gc;
        else if (g == maxc)
            hf = (float)(2.0 + rc - bc);
        else
            hf = (float)(4.0 + gc - rc);
        hf = (float)((hf / 6.0 + 1.0) % 1.0);
        h = (byte)Math.Clamp((int)(hf * 255.0), 0, 255);
        s = (byte)Math.Clamp((int)(sf * 255.0), 0, 255);
    }

    /// <summary>PIL's <c>hsv2rgb</c>.</summary>
    internal static void HsvToRgb(byte h, byte s, byte v, Span<byte> rgb)
    {
        if (s == 0)
        {
            rgb[0] = rgb[1] = rgb[2] = v;
            return;
        }
        var i = (int)Math.Floor((float)h * 6.0 / 255.0);
        var f = (float)((float)h * 6.0 / 255.0 - (float)i);
        var fs = (float)(s / 255.0);
        var p = (int)Math.Round(v * (1.0 - fs), MidpointRounding.AwayFromZero);
        var q = (int)Math.Round(v * (1.0 - fs * f), MidpointRounding.AwayFromZero);
        var t = (int)Math.Round(v * (1.0 - fs * (1.0 - f)), MidpointRounding.AwayFromZero);
        var up = (byte)Math.Clamp(p, 0, 255);
        var uq = (byte)Math.Clamp(q, 0, 255);
        var ut = (byte)Math.Clamp(t, 0, 255);
        (rgb[0], rgb[1], rgb[2]) = (i % 6) switch
        {
            0 => (v, ut, up),
            1 => (uq, v, up),
            2 => (up, v, ut),
            3 => (up, uq, v),
            4 => (ut, up, v),
            _ => (v, up, uq),
        };
    }

    /// <summary>
    /// PIL's <c>ImageFilter.SMOOTH</c> (3x3 kernel 1 1 1 / 1 5 1 / 1 1 1 over 13) in single precision, rounded;
    /// the outermost rows and columns are copied.
    /// </summary>
    public static Image Smooth(Image image)
    {
        Require(image, "smooth");
        int w = image.Width, h = image.Height, c = image.Channels;
        var src = image.Pixels;
        var dst = (byte[])src.Clone();
        if (w < 3 || h < 3)
            return new Image(w, h, image.Model, dst);
        var k1 = (float)(1.0 / 13.0);
        var k5 = (float)(5.0 / 13.0);
        var stride = w * c;
        for (var y = 1; y < h - 1; y++)
        {
            var up = src.AsSpan((y - 1) * stride, stride);
            var mid = src.AsSpan(y * stride, stride);
            var down = src.AsSpan((y + 1) * stride, stride);
            var outRow = dst.AsSpan(y * stride, stride);
            for (var x = 1; x < w - 1; x++)
            {
                for (var b = 0; b < c; b++)
                {
                    var i = x * c + b;
                    var ss = 0.5f;
                    ss += down[i - c] * k1 + down[i] * k1 + down[i + c] * k1;
                    ss += mid[i - c] * k1 + mid[i] * k5 + mid[i + c] * k1;
                    ss += up[i - c] * k1 + up[i] * k1 + up[i + c] * k1;
                    outRow[i] = ss <= 0.0f ? (byte)0 : ss >= 255.0f ? (byte)255 : (byte)ss;
                }
            }
        }
        return new Image(w, h, image.Model, dst);
    }

    /// <summary>Per-channel histograms, 256 bins each (PIL <c>histogram</c>).</summary>
    internal static long[] Histogram(Image image)
    {
        var c = image.Channels;
        var hist = new long[256 * c];
        var p = image.Pixels;
        for (var i = 0; i < p.Length; i += c)
            for (var k = 0; k < c; k++)
                hist[k * 256 + p[i + k]]++;
        return hist;
    }

    private static byte[] BuildLut(Func<int, int> f)
    {
        var lut = new byte[256];
        for (var i = 0; i < 256; i++)
            lut[i] = (byte)Math.Clamp(f(i), 0, 255);
        return lut;
    }

    private static void Require(Image image, string op)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageGeometry.RequireEightBit(image, op);
        if (image.Model is not (ColorModel.Gray or ColorModel.Rgb))
            throw new NotSupportedException($"{op} needs a gray or RGB image, got {image.Model}; convert to RGB first");
    }
}
