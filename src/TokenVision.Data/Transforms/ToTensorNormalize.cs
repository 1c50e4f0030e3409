using TokenVision.IO.Imaging;

namespace TokenVision.Data.Transforms;

/// <summary>
/// torchvision's <c>ToTensor()</c> followed by <c>Normalize(mean, std)</c>: HWC bytes to CHW floats
/// <c>(v / 255 - mean[c]) / std[c]</c>, each operation in single precision as torch computes it.
/// </summary>
public sealed class ToTensorNormalize
{
    private readonly float[]? _mean;
    private readonly float[]? _std;

    /// <summary>Creates the step; without <paramref name="mean"/> and <paramref name="std"/> it only scales to [0, 1].</summary>
    /// <param name="mean">Per-channel means (one value is used for every channel).</param>
    /// <param name="std">Per-channel standard deviations (one value is used for every channel).</param>
    public ToTensorNormalize(IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        if ((mean is null) != (std is null))
            throw new ArgumentException("normalisation needs both mean and std, or neither");
        if (mean is not null && (mean.Count == 0 || mean.Count != std!.Count))
            throw new ArgumentException($"mean has {mean.Count} values and std {std!.Count}; they must match and be non-empty");
        if (std is not null && std.Any(s => !(s > 0)))
            throw new ArgumentException($"std values must be positive, got [{string.Join(", ", std)}]");
        _mean = mean?.ToArray();
        _std = std?.ToArray();
    }

    /// <summary>The per-channel means, or null when only scaling.</summary>
    public IReadOnlyList<float>? Mean => _mean;

    /// <summary>The per-channel standard deviations, or null when only scaling.</summary>
    public IReadOnlyList<float>? Std => _std;

    /// <summary>Converts <paramref name="image"/> (8-bit, any channel count) to a normalised <c>[C, H, W]</c> float image.</summary>
    public FloatImage Apply(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageGeometry.RequireEightBit(image, "to-tensor");
        var c = image.Channels;
        if (_mean is not null && _mean.Length != 1 && _mean.Length != c)
            throw new ArgumentException($"normalisation has {_mean.Length} channel values; the {image.Model} image has {c} channels");
        var plane = image.Width * image.Height;
        var result = new FloatImage(c, image.Height, image.Width);
        var src = image.Pixels;
        var dst = result.Data;
        Span<float> lut = stackalloc float[256];
        for (var k = 0; k < c; k++)
        {
            for (var v = 0; v < 256; v++)
            {
                var x = v / 255f;
                if (_mean is not null)
                    x = (x - _mean[_mean.Length == 1 ? 0 : k]) / _std![_std.Length == 1 ? 0 : k];
                lut[v] = x;
            }
            var o = dst.AsSpan(k * plane, plane);
            for (var i = 0; i < plane; i++)
                o[i] = lut[src[i * c + k]];
        }
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => _mean is null
        ? "ToTensor()"
        : $"ToTensor() Normalize(mean=[{string.Join(", ", _mean)}], std=[{string.Join(", ", _std!)}])";
}
