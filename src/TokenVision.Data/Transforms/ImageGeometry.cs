using System.Globalization;
using TokenVision.IO.Imaging;

namespace TokenVision.Data.Transforms;

/// <summary>
/// Geometric operations on 8-bit images with PIL's semantics: crop, pad, flips, and the affine warps behind
/// <c>Image.transform(AFFINE)</c> and <c>Image.rotate</c> (output pixel centres mapped back into the input, bilinear or
/// bicubic sampling without antialiasing, pixels that map outside the input keep the fill colour).
/// </summary>
public static class ImageGeometry
{
    /// <summary>
    /// The <paramref name="width"/> x <paramref name="height"/> region whose top-left corner is at
    /// (<paramref name="left"/>, <paramref name="top"/>), as PIL's <c>crop</c>: parts outside the image are zero.
    /// </summary>
    public static Image Crop(Image image, int left, int top, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireEightBit(image, "crop");
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"crop size {width}x{height} must be positive");
        var c = image.Channels;
        var dst = new byte[width * height * c];
        var x0 = Math.Max(left, 0);
        var x1 = Math.Min(left + width, image.Width);
        for (var y = 0; y < height; y++)
        {
            var sy = top + y;
            if (sy < 0 || sy >= image.Height || x1 <= x0)
                continue;
            image.Pixels.AsSpan((sy * image.Width + x0) * c, (x1 - x0) * c)
                .CopyTo(dst.AsSpan((y * width + x0 - left) * c));
        }
        return new Image(width, height, image.Model, dst);
    }

    /// <summary>Adds constant borders (torchvision <c>F.pad</c> with <c>padding_mode='constant'</c>).</summary>
    /// <param name="image">The image.</param>
    /// <param name="left">Columns added on the left.</param>
    /// <param name="top">Rows added on top.</param>
    /// <param name="right">Columns added on the right.</param>
    /// <param name="bottom">Rows added at the bottom.</param>
    /// <param name="fill">One value per channel, or one value for all (empty means zero).</param>
    public static Image Pad(Image image, int left, int top, int right, int bottom, ReadOnlySpan<byte> fill = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireEightBit(image, "pad");
        if (left < 0 || top < 0 || right < 0 || bottom < 0)
            throw new ArgumentException($"padding ({left}, {top}, {right}, {bottom}) must not be negative");
        var c = image.Channels;
        var w = image.Width + left + right;
        var h = image.Height + top + bottom;
        var dst = new byte[w * h * c];
        FillPixels(dst, FillColor(fill, image.Model));
        for (var y = 0; y < image.Height; y++)
            image.Pixels.AsSpan(y * image.Width * c, image.Width * c).CopyTo(dst.AsSpan(((y + top) * w + left) * c));
        return new Image(w, h, image.Model, dst);
    }

    /// <summary>
    /// torchvision's <c>center_crop</c>: pads with <paramref name="fill"/> (zero by default) when the image is smaller
    /// than the crop, then crops at <c>round((size - crop) / 2)</c> with round-half-to-even, as Python's <c>round</c>.
    /// </summary>
    public static Image CenterCrop(Image image, int height, int width, ReadOnlySpan<byte> fill = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"crop size {width}x{height} must be positive");
        if (width > image.Width || height > image.Height)
        {
            var padL = width > image.Width ? (width - image.Width) / 2 : 0;
            var padT = height > image.Height ? (height - image.Height) / 2 : 0;
            var padR = width > image.Width ? (width - image.Width + 1) / 2 : 0;
            var padB = height > image.Height ? (height - image.Height + 1) / 2 : 0;
            image = Pad(image, padL, padT, padR, padB, fill);
            if (width == image.Width && height == image.Height)
                return image;
        }
        var (top, left) = CenterCropOffsets(image.Height, image.Width, height, width);
        return Crop(image, left, top, width, height);
    }

    /// <summary>The (top, left) corner of a centred crop: <c>round((size - crop) / 2)</c>, ties to even.</summary>
    public static (int Top, int Left) CenterCropOffsets(int imageHeight, int imageWidth, int cropHeight, int cropWidth) =>
        ((int)Math.Round((imageHeight - cropHeight) / 2.0, MidpointRounding.ToEven),
         (int)Math.Round((imageWidth - cropWidth) / 2.0, MidpointRounding.ToEven));

    /// <summary>Mirrors the columns (PIL <c>FLIP_LEFT_RIGHT</c>).</summary>
    public static Image FlipLeftRight(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireEightBit(image, "flip");
        var c = image.Channels;
        var w = image.Width;
        var dst = new byte[image.Pixels.Length];
        for (var y = 0; y < image.Height; y++)
        {
            var src = image.Pixels.AsSpan(y * w * c, w * c);
            var row = dst.AsSpan(y * w * c, w * c);
            for (var x = 0; x < w; x++)
                src.Slice(x * c, c).CopyTo(row.Slice((w - 1 - x) * c, c));
        }
        return new Image(w, image.Height, image.Model, dst);
    }

    /// <summary>Mirrors the rows (PIL <c>FLIP_TOP_BOTTOM</c>).</summary>
    public static Image FlipTopBottom(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireEightBit(image, "flip");
        var stride = image.Width * image.Channels;
        var dst = new byte[image.Pixels.Length];
        for (var y = 0; y < image.Height; y++)
            image.Pixels.AsSpan(y * stride, stride).CopyTo(dst.AsSpan((image.Height - 1 - y) * stride));
        return new Image(image.Width, image.Height, image.Model, dst);
    }

    /// <summary>
    /// PIL's <c>Image.transform(size, AFFINE, matrix, resample, fillcolor=fill)</c> with the output the size of the input:
    /// output pixel (x, y) samples the input at <c>(a x' + b y' + c, d x' + e y' + f)</c> where <c>x' = x + 0.5</c>,
    /// <c>y' = y + 0.5</c>.
    /// </summary>
    /// <param name="image">An 8-bit gray or RGB image.</param>
    /// <param name="matrix">The six coefficients <c>(a, b, c, d, e, f)</c> of the output-to-input map.</param>
    /// <param name="interpolation">Nearest, bilinear or bicubic (PIL's transform supports no others).</param>
    /// <param name="fill">Colour for pixels that map outside the input: one value per channel, or one for all (empty means zero).</param>
    public static Image Affine(Image image, ReadOnlySpan<double> matrix, Interpolation interpolation, ReadOnlySpan<byte> fill = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireEightBit(image, "affine transform");
        if (image.Model is ColorModel.GrayAlpha or ColorModel.Rgba)
            throw new NotSupportedException($"affine transform of {image.Model} images is not supported (PIL premultiplies alpha); convert to RGB first");
        if (matrix.Length != 6)
            throw new ArgumentException($"an affine matrix has 6 coefficients, got {matrix.Length}");
        var a = matrix.ToArray();
        var c = image.Channels;
        var dst = new byte[image.Pixels.Length];
        FillPixels(dst, FillColor(fill, image.Model));
        switch (interpolation)
        {
            case Interpolation.Nearest:
                AffineNearest(image, a, dst);
                break;
            case Interpolation.Bilinear:
            case Interpolation.Bicubic:
                AffineFiltered(image, a, dst, interpolation == Interpolation.Bicubic);
                break;
            default:
                throw new ArgumentException($"affine transforms support nearest, bilinear and bicubic, not {InterpolationNames.Name(interpolation)}");
        }
        return new Image(image.Width, image.Height, image.Model, dst);
    }

    /// <summary>
    /// PIL's <c>Image.rotate(degrees, resample, expand=False, fillcolor=fill)</c>: counter-clockwise about the image centre,
    /// output the size of the input. Multiples of 180 degrees (and of 90 for square images) are exact pixel moves.
    /// </summary>
    public static Image Rotate(Image image, double degrees, Interpolation interpolation, ReadOnlySpan<byte> fill = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var angle = degrees % 360.0;
        if (angle < 0)
            angle += 360.0;
        if (angle == 0)
            return new Image(image.Width, image.Height, image.Model, (byte[])image.Pixels.Clone());
        if (angle == 180)
            return FlipTopBottom(FlipLeftRight(image));
        if (angle is 90 or 270 && image.Width == image.Height)
            return Rotate90(image, counterClockwise: angle == 90);
        var w = image.Width;
        var h = image.Height;
        var cx = w / 2.0;
        var cy = h / 2.0;
        var rad = -(angle * (Math.PI / 180.0));
        // Python's round(v, 15): the value correctly rounded to 15 decimals.
        var m = new[]
        {
            Round15(Math.Cos(rad)), Round15(Math.Sin(rad)), 0.0,
            Round15(-Math.Sin(rad)), Round15(Math.Cos(rad)), 0.0,
        };
        m[2] = m[0] * -cx + m[1] * -cy + 0.0;
        m[5] = m[3] * -cx + m[4] * -cy + 0.0;
        m[2] += cx;
        m[5] += cy;
        return Affine(image, m, interpolation, fill);
    }

    private static double Round15(double v) =>
        double.Parse(v.ToString("F15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static Image Rotate90(Image image, bool counterClockwise)
    {
        var n = image.Width;
        var c = image.Channels;
        var dst = new byte[image.Pixels.Length];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                // Counter-clockwise: the input's right column becomes the top row.
                var (sx, sy) = counterClockwise ? (n - 1 - y, x) : (y, n - 1 - x);
                image.Pixels.AsSpan((sy * n + sx) * c, c).CopyTo(dst.AsSpan((y * n + x) * c, c));
            }
        }
        return new Image(n, n, image.Model, dst);
    }

    // ---- affine sampling ----------------------------------------------------------------------------------------

    private static int Coord(double v) => v < 0.0 ? -1 : (int)v;

    private static int Floor(double v) => v < 0.0 ? (int)Math.Floor(v) : (int)v;

    private static void AffineNearest(Image image, double[] a, byte[] dst)
    {
        int w = image.Width, h = image.Height, c = image.Channels;
        var src = image.Pixels;
        if (a[1] == 0 && a[3] == 0)
        {
            // PIL's scale-only path: positions accumulated in double precision.
            var xin = new int[w];
            var xo = a[2] + a[0] * 0.5;
            for (var x = 0; x < w; x++)
            {
                xin[x] = Coord(xo);
                xo += a[0];
            }
            var yo = a[5] + a[4] * 0.5;
            for (var y = 0; y < h; y++)
            {
                var yi = Coord(yo);
                yo += a[4];
                if (yi < 0 || yi >= h)
                    continue;
                for (var x = 0; x < w; x++)
                {
                    if (xin[x] >= 0 && xin[x] < w)
                        src.AsSpan((yi * w + xin[x]) * c, c).CopyTo(dst.AsSpan((y * w + x) * c, c));
                }
            }
            return;
        }
        if (CheckFixed(a, 0, 0) && CheckFixed(a, w, h) && CheckFixed(a, 0, h) && CheckFixed(a, w, 0))
        {
            // PIL's 16.16 fixed-point path.
            static int Fix(double v) => Floor(v * 65536.0 + 0.5);
            int a0 = Fix(a[0]), a1 = Fix(a[1]), a3 = Fix(a[3]), a4 = Fix(a[4]);
            var a2 = Fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
            var a5 = Fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
            for (var y = 0; y < h; y++)
            {
                int xx = a2, yy = a5;
                for (var x = 0; x < w; x++, xx += a0, yy += a3)
                {
                    var xi = xx >> 16;
                    if (xi < 0 || xi >= w)
                        continue;
                    var yi = yy >> 16;
                    if (yi < 0 || yi >= h)
                        continue;
                    src.AsSpan((yi * w + xi) * c, c).CopyTo(dst.AsSpan((y * w + x) * c, c));
                }
                a2 += a1;
                a5 += a4;
            }
            return;
        }
        var xo2 = a[2] + a[1] * 0.5 + a[0] * 0.5;
        var yo2 = a[5] + a[4] * 0.5 + a[3] * 0.5;
        for (var y = 0; y < h; y++)
        {
            double xx = xo2, yy = yo2;
            for (var x = 0; x < w; x++, xx += a[0], yy += a[3])
            {
                var xi = Coord(xx);
                if (xi < 0 || xi >= w)
                    continue;
                var yi = Coord(yy);
                if (yi < 0 || yi >= h)
                    continue;
                src.AsSpan((yi * w + xi) * c, c).CopyTo(dst.AsSpan((y * w + x) * c, c));
            }
            xo2 += a[1];
            yo2 += a[4];
        }
    }

    private static bool CheckFixed(double[] a, int x, int y) =>
        Math.Abs(x * a[0] + y * a[1] + a[2]) < 32768.0 && Math.Abs(x * a[3] + y * a[4] + a[5]) < 32768.0;

    private static void AffineFiltered(Image image, double[] a, byte[] dst, bool bicubic)
    {
        int w = image.Width, h = image.Height, c = image.Channels;
        var src = image.Pixels;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var xi = x + 0.5;
                var yi = y + 0.5;
                var sx = a[0] * xi + a[1] * yi + a[2];
                var sy = a[3] * xi + a[4] * yi + a[5];
                if (sx < 0.0 || sx >= w || sy < 0.0 || sy >= h)
                    continue;
                var o = (y * w + x) * c;
                if (bicubic)
                    SampleBicubic(src, w, h, c, sx, sy, dst.AsSpan(o, c));
                else
                    SampleBilinear(src, w, h, c, sx, sy, dst.AsSpan(o, c));
            }
        }
    }

    private static int ClipIndex(int v, int size) => v < 0 ? 0 : v < size ? v : size - 1;

    /// <summary>PIL's <c>bilinear_filter</c>: rows below the image repeat the last sampled row; truncates to a byte.</summary>
    private static void SampleBilinear(byte[] src, int w, int h, int c, double xin, double yin, Span<byte> output)
    {
        xin -= 0.5;
        yin -= 0.5;
        var x = Floor(xin);
        var y = Floor(yin);
        var dx = xin - x;
        var dy = yin - y;
        var x0 = ClipIndex(x, w);
        var x1 = ClipIndex(x + 1, w);
        var row0 = ClipIndex(y, h) * w;
        var hasRow1 = y + 1 >= 0 && y + 1 < h;
        for (var b = 0; b < c; b++)
        {
            double p0 = src[(row0 + x0) * c + b], p1 = src[(row0 + x1) * c + b];
            var v1 = p0 + (p1 - p0) * dx;
            double v2;
            if (hasRow1)
            {
                double q0 = src[((y + 1) * w + x0) * c + b], q1 = src[((y + 1) * w + x1) * c + b];
                v2 = q0 + (q1 - q0) * dx;
            }
            else
            {
                v2 = v1;
            }
            v1 += (v2 - v1) * dy;
            output[b] = (byte)(int)v1;
        }
    }

    /// <summary>PIL's <c>bicubic_filter</c> (a = -1 cubic convolution), clipped to 0..255 and truncated.</summary>
    private static void SampleBicubic(byte[] src, int w, int h, int c, double xin, double yin, Span<byte> output)
    {
        xin -= 0.5;
        yin -= 0.5;
        var x = Floor(xin) - 1;
        var y = Floor(yin) - 1;
        var dx = xin - (x + 1);
        var dy = yin - (y + 1);
        var xs0 = ClipIndex(x, w);
        var xs1 = ClipIndex(x + 1, w);
        var xs2 = ClipIndex(x + 2, w);
        var xs3 = ClipIndex(x + 3, w);
        for (var b = 0; b < c; b++)
        {
            var v1 = Row(ClipIndex(y, h));
            var v2 = y + 1 >= 0 && y + 1 < h ? Row(y + 1) : v1;
            var v3 = y + 2 >= 0 && y + 2 < h ? Row(y + 2) : v2;
            var v4 = y + 3 >= 0 && y + 3 < h ? Row(y + 3) : v3;
            var v = Cubic(v1, v2, v3, v4, dy);
            output[b] = v <= 0.0 ? (byte)0 : v >= 255.0 ? (byte)255 : (byte)v;

            double Row(int r)
            {
                var o = r * w;
                return Cubic(src[(o + xs0) * c + b], src[(o + xs1) * c + b], src[(o + xs2) * c + b], src[(o + xs3) * c + b], dx);
            }
        }
    }

    private static double Cubic(double v1, double v2, double v3, double v4, double d)
    {
        var p1 = v2;
        var p2 = -v1 + v3;
        var p3 = 2 * (v1 - v2) + v3 - v4;
        var p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    internal static void RequireEightBit(Image image, string op)
    {
        if (image.BitDepth != 8)
            throw new NotSupportedException($"{op} needs 8-bit samples, got {image.BitDepth}-bit; convert the image to RGB first");
    }

    /// <summary>A fill colour with one value per channel: empty is black; one value is used for every channel; an RGB colour for a gray image is converted as PIL's "L" conversion does.</summary>
    internal static byte[] FillColor(ReadOnlySpan<byte> fill, ColorModel model)
    {
        var c = (int)model;
        if (fill.IsEmpty)
            return new byte[c];
        if (fill.Length == c)
            return fill.ToArray();
        if (fill.Length == 1)
            return Enumerable.Repeat(fill[0], c).ToArray();
        if (c == 1 && fill.Length >= 3)
            return [ImageAdjust.Luma(fill[0], fill[1], fill[2])];
        throw new ArgumentException($"fill colour has {fill.Length} values; a {model} image needs 1 or {c}");
    }

    internal static void FillPixels(byte[] dst, byte[] color)
    {
        if (color.All(v => v == 0))
            return;
        if (color.Length == 1 || color.All(v => v == color[0]))
        {
            dst.AsSpan().Fill(color[0]);
            return;
        }
        for (var i = 0; i < dst.Length; i += color.Length)
            color.CopyTo(dst, i);
    }
}
