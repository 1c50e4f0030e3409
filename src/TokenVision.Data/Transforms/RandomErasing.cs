using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// Random Erasing (Zhong et al., 2017, arXiv:1708.04896) as timm's <c>RandomErasing</c>, on a normalised float image:
/// with probability <see cref="Probability"/>, <c>count</c> rectangles each of area fraction uniform in
/// [<see cref="MinArea"/>, <see cref="MaxArea"/>] / count and log-uniform aspect are filled with zeros ('const'),
/// one normal colour per rectangle ('rand') or per-pixel normal noise ('pixel'). Up to 10 attempts per rectangle.
/// </summary>
public sealed class RandomErasing : IFloatTransform
{
    /// <summary>Creates the transform with timm's defaults.</summary>
    /// <param name="probability">Chance an image is erased at all.</param>
    /// <param name="minArea">Smallest erased fraction of the image.</param>
    /// <param name="maxArea">Largest erased fraction of the image.</param>
    /// <param name="minAspect">Smallest aspect ratio; the largest is <paramref name="maxAspect"/> or <c>1 / minAspect</c>.</param>
    /// <param name="maxAspect">Largest aspect ratio, or null for <c>1 / minAspect</c>.</param>
    /// <param name="mode">"const", "rand" or "pixel".</param>
    /// <param name="minCount">Fewest rectangles.</param>
    /// <param name="maxCount">Most rectangles, or null for <paramref name="minCount"/>.</param>
    public RandomErasing(double probability = 0.5, double minArea = 0.02, double maxArea = 1.0 / 3.0, double minAspect = 0.3, double? maxAspect = null, string mode = "const", int minCount = 1, int? maxCount = null)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in [0, 1]");
        if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1))
            throw new ArgumentException($"area range ({minArea}, {maxArea}) must satisfy 0 < min <= max <= 1");
        if (!(minAspect > 0))
            throw new ArgumentOutOfRangeException(nameof(minAspect), minAspect, "must be positive");
        var maxA = maxAspect ?? 1.0 / minAspect;
        if (!(maxA >= minAspect))
            throw new ArgumentException($"aspect range ({minAspect}, {maxA}) must be increasing");
        Mode = (mode ?? "const").ToLowerInvariant() switch
        {
            "" or "const" => "const",
            "rand" => "rand",
            "pixel" => "pixel",
            _ => throw new ArgumentException($"random erasing mode '{mode}' must be const, rand or pixel"),
        };
        if (minCount < 1 || (maxCount is { } mc && mc < minCount))
            throw new ArgumentException($"count range ({minCount}, {maxCount}) must satisfy 1 <= min <= max");
        Probability = probability;
        MinArea = minArea;
        MaxArea = maxArea;
        LogAspect = (Math.Log(minAspect), Math.Log(maxA));
        MinCount = minCount;
        MaxCount = maxCount ?? minCount;
    }

    /// <summary>Chance an image is erased.</summary>
    public double Probability { get; }

    /// <summary>Smallest erased area fraction.</summary>
    public double MinArea { get; }

    /// <summary>Largest erased area fraction.</summary>
    public double MaxArea { get; }

    /// <summary>Log of the aspect-ratio range.</summary>
    public (double Min, double Max) LogAspect { get; }

    /// <summary>"const", "rand" or "pixel".</summary>
    public string Mode { get; }

    /// <summary>Fewest rectangles.</summary>
    public int MinCount { get; }

    /// <summary>Most rectangles.</summary>
    public int MaxCount { get; }

    /// <summary>Erases in place and returns <paramref name="image"/>.</summary>
    public FloatImage Apply(FloatImage image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var g = RandomResizedCrop.RequireGenerator(generator, nameof(RandomErasing));
        if (g.NextDouble() > Probability)
            return image;
        int h = image.Height, w = image.Width, c = image.Channels;
        double area = h * w;
        var count = MinCount == MaxCount ? MinCount : g.NextInt(MinCount, MaxCount + 1);
        for (var n = 0; n < count; n++)
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var targetArea = RandomResizedCrop.Uniform(g, MinArea, MaxArea) * area / count;
                var aspect = Math.Exp(RandomResizedCrop.Uniform(g, LogAspect.Min, LogAspect.Max));
                var eh = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
                var ew = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
                if (ew < w && eh < h)
                {
                    var top = g.NextInt(0, h - eh + 1);
                    var left = g.NextInt(0, w - ew + 1);
                    Fill(image, top, left, eh, ew, g);
                    break;
                }
            }
        }
        return image;
    }

    private void Fill(FloatImage image, int top, int left, int eh, int ew, Generator g)
    {
        int h = image.Height, w = image.Width;
        for (var k = 0; k < image.Channels; k++)
        {
            var colour = Mode == "rand" ? (float)g.NextNormal() : 0f;
            for (var y = top; y < top + eh; y++)
            {
                var row = image.Data.AsSpan((k * h + y) * w + left, ew);
                if (Mode == "pixel")
                {
                    for (var x = 0; x < row.Length; x++)
                        row[x] = (float)g.NextNormal();
                }
                else
                {
                    row.Fill(colour);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"RandomErasing(p={Probability}, area=({MinArea:0.###}, {MaxArea:0.###}), mode={Mode}, count=({MinCount}, {MaxCount}))";
}
