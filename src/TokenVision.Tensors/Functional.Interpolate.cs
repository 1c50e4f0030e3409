namespace TokenVision.Tensors;

/// <summary>Resampling kernel for <see cref="Functional.Interpolate"/>.</summary>
public enum InterpolationMode
{
    /// <summary>PyTorch 'nearest': source index floor(dst * in / out).</summary>
    Nearest,
    /// <summary>PyTorch 'nearest-exact': source index floor((dst + 0.5) * in / out).</summary>
    NearestExact,
    /// <summary>Linear in each spatial dimension ('linear', 'bilinear', 'trilinear').</summary>
    Linear,
    /// <summary>Cubic convolution with A = -0.75 (A = -0.5 with antialiasing), 'bicubic'.</summary>
    Cubic,
}

public static partial class Functional
{
    /// <summary>
    /// Resizes the spatial dimensions of [N, C, *spatial] to <paramref name="size"/> with PyTorch's
    /// <c>interpolate</c> semantics (source-index rules, border clamping, <paramref name="alignCorners"/>, and
    /// <paramref name="antialias"/> for linear/cubic as torch's separable antialiased kernels). Implemented as one
    /// interpolation matrix per dimension, so the gradient follows from matrix products.
    /// </summary>
    public static Tensor Interpolate(Tensor x, ReadOnlySpan<int> size, InterpolationMode mode, bool alignCorners = false, bool antialias = false)
    {
        x.RequireFloat("Interpolate");
        var dims = size.Length;
        if (dims < 1 || x.Rank != dims + 2)
            throw new ArgumentException($"Interpolate: input {x.Shape} must be [N, C] plus {dims} spatial dimensions");
        if (alignCorners && mode is InterpolationMode.Nearest or InterpolationMode.NearestExact)
            throw new ArgumentException("Interpolate: alignCorners applies only to linear and cubic modes");
        var current = x.Identity();
        for (var d = 0; d < dims; d++)
        {
            var axis = 2 + d;
            var inSize = x.ShapeArray[axis];
            var outSize = size[d];
            if (outSize <= 0 || inSize <= 0)
                throw new ArgumentException($"Interpolate: sizes must be positive, got {inSize} -> {outSize} in spatial dimension {d}");
            if (inSize == outSize && !antialias && mode != InterpolationMode.NearestExact)
                continue;
            using var m = Tensor.FromArray(InterpolationMatrix(inSize, outSize, mode, alignCorners, antialias), outSize, inSize);
            // Move the axis last, multiply by Mᵀ, move it back.
            using var moved = current.Transpose(axis, -1);
            using var mt = m.MT;
            using var resampled = moved.MatMul(mt);
            var next = resampled.Transpose(axis, -1);
            current.Dispose();
            current = next;
        }
        var result = current.Contiguous();
        current.Dispose();
        return result;
    }

    /// <summary>Row i holds the weights of input elements that make output element i.</summary>
    internal static float[] InterpolationMatrix(int inSize, int outSize, InterpolationMode mode, bool alignCorners, bool antialias)
    {
        var m = new double[outSize * inSize];
        double scale = alignCorners ? (outSize > 1 ? (inSize - 1.0) / (outSize - 1.0) : 0.0) : (double)inSize / outSize;
        switch (mode)
        {
            case InterpolationMode.Nearest:
            case InterpolationMode.NearestExact:
                for (var i = 0; i < outSize; i++)
                {
                    // Single-precision source index, as PyTorch computes it.
                    var fs = (float)scale;
                    var src = mode == InterpolationMode.Nearest ? MathF.Floor(i * fs) : MathF.Floor((i + 0.5f) * fs);
                    m[i * inSize + Math.Min((int)src, inSize - 1)] = 1;
                }
                break;
            case InterpolationMode.Linear when !antialias:
                for (var i = 0; i < outSize; i++)
                {
                    var real = alignCorners ? scale * i : Math.Max(scale * (i + 0.5) - 0.5, 0);
                    var i0 = Math.Min((int)Math.Floor(real), inSize - 1);
                    var lambda = Math.Clamp(real - i0, 0, 1);
                    var i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
                    m[i * inSize + i0] += 1 - lambda;
                    m[i * inSize + i1] += lambda;
                }
                break;
            case InterpolationMode.Cubic when !antialias:
                for (var i = 0; i < outSize; i++)
                {
                    var real = alignCorners ? scale * i : scale * (i + 0.5) - 0.5;
                    var i0 = (int)Math.Floor(real);
                    var t = real - i0;
                    Span<double> w = [Cubic2(t + 1, -0.75), Cubic1(t, -0.75), Cubic1(1 - t, -0.75), Cubic2(2 - t, -0.75)];
                    for (var k = 0; k < 4; k++)
                        m[i * inSize + Math.Clamp(i0 - 1 + k, 0, inSize - 1)] += w[k];
                }
                break;
            default:
                {
                    // Antialiased separable filter (PIL-style support scaled by the downsampling factor).
                    var interpSize = mode == InterpolationMode.Linear ? 2 : 4;
                    var support = scale >= 1 ? interpSize * 0.5 * scale : interpSize * 0.5;
                    var invScale = scale >= 1 ? 1.0 / scale : 1.0;
                    for (var i = 0; i < outSize; i++)
                    {
                        var center = scale * (i + 0.5);
                        var xmin = Math.Max((long)(center - support + 0.5), 0);
                        var xsize = Math.Min((long)(center + support + 0.5), inSize) - xmin;
                        var total = 0.0;
                        var weights = new double[Math.Max(xsize, 0)];
                        for (var j = 0; j < xsize; j++)
                        {
                            var arg = (j + xmin - center + 0.5) * invScale;
                            weights[j] = mode == InterpolationMode.Linear ? Math.Max(0, 1 - Math.Abs(arg)) : CubicFilter(arg, -0.5);
                            total += weights[j];
                        }
                        for (var j = 0; j < xsize; j++)
                            m[i * inSize + xmin + j] = total != 0 ? weights[j] / total : 0;
                    }
                    break;
                }
        }
        return m.Select(v => (float)v).ToArray();
    }

    private static double Cubic1(double x, double a) => ((a + 2) * x - (a + 3)) * x * x + 1;

    private static double Cubic2(double x, double a) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;

    private static double CubicFilter(double x, double a)
    {
        x = Math.Abs(x);
        return x < 1 ? Cubic1(x, a) : x < 2 ? Cubic2(x, a) : 0;
    }
}
