using System.Globalization;
using System.Text.RegularExpressions;
using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// RandAugment (Cubuk et al., 2019, arXiv:1909.13719) as timm implements it: per image, <see cref="NumLayers"/> ops are
/// drawn uniformly with replacement (or by weight, without), and each runs with probability <see cref="Probability"/>
/// at magnitude <see cref="Magnitude"/> plus optional Gaussian noise, clipped to [0, 10] (or the configured maximum).
/// </summary>
/// <remarks>
/// Magnitude <c>m</c> maps to: Rotate <c>±3m</c> degrees; ShearX/Y <c>±0.03m</c>; TranslateX/YRel <c>±m/10 * 0.45</c> of the
/// side; Posterize <c>int(0.4m)</c> bits (Increasing: <c>4 - int(0.4m)</c>); Solarize threshold <c>min(256, int(25.6m))</c>
/// (Increasing: 256 minus it); SolarizeAdd <c>min(128, int(11m))</c> below 128; Color/Contrast/Brightness/Sharpness factor
/// <c>0.18m + 0.1</c> (Increasing: <c>max(0.1, 1 ± 0.09m)</c>). Signs are flipped with probability one half.
/// </remarks>
public sealed partial class RandAugment : IImageTransform
{
    /// <summary>timm's <c>_RAND_TRANSFORMS</c>.</summary>
    public static IReadOnlyList<string> StandardOps { get; } =
    [
        "AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize", "SolarizeAdd", "Color", "Contrast",
        "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel",
    ];

    /// <summary>timm's <c>_RAND_INCREASING_TRANSFORMS</c> (severity grows with magnitude for every op).</summary>
    public static IReadOnlyList<string> IncreasingOps { get; } =
    [
        "AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing", "SolarizeAdd",
        "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing", "ShearX", "ShearY",
        "TranslateXRel", "TranslateYRel",
    ];

    /// <summary>Every op name <see cref="ApplyOp"/> knows.</summary>
    public static IReadOnlyList<string> KnownOps { get; } =
    [
        .. StandardOps, "PosterizeIncreasing", "PosterizeOriginal", "SolarizeIncreasing", "ColorIncreasing",
        "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing", "TranslateX", "TranslateY",
    ];

    private static readonly Dictionary<string, double> s_choiceWeights0 = new()
    {
        ["Rotate"] = 0.3, ["ShearX"] = 0.2, ["ShearY"] = 0.2, ["TranslateXRel"] = 0.1, ["TranslateYRel"] = 0.1,
        ["Color"] = 0.025, ["Sharpness"] = 0.025, ["AutoContrast"] = 0.025, ["Solarize"] = 0.005, ["SolarizeAdd"] = 0.005,
        ["Contrast"] = 0.005, ["Brightness"] = 0.005, ["Equalize"] = 0.005, ["Posterize"] = 0, ["Invert"] = 0,
    };

    private readonly string[] _ops;
    private readonly double[]? _weights;

    /// <summary>Creates RandAugment over <paramref name="ops"/> (names as in <see cref="KnownOps"/>).</summary>
    /// <param name="ops">The op set.</param>
    /// <param name="numLayers">Ops applied per image.</param>
    /// <param name="magnitude">Magnitude on timm's 0..10 scale.</param>
    /// <param name="probability">Chance each drawn op is applied.</param>
    /// <param name="options">Fill, interpolation, translation scale and magnitude noise.</param>
    /// <param name="choiceWeights">Per-op choice weights (then ops are drawn without replacement), or null for uniform.</param>
    public RandAugment(IReadOnlyList<string> ops, int numLayers = 2, double magnitude = 10, double probability = 0.5, RandAugmentOptions? options = null, IReadOnlyList<double>? choiceWeights = null)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (ops.Count == 0)
            throw new ArgumentException("RandAugment needs at least one op");
        foreach (var op in ops)
        {
            if (!KnownOps.Contains(op))
                throw new ArgumentException($"unknown RandAugment op '{op}' (known: {string.Join(", ", KnownOps)})");
        }
        if (numLayers < 0)
            throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, "must not be negative");
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in [0, 1]");
        if (choiceWeights is not null)
        {
            if (choiceWeights.Count != ops.Count || choiceWeights.Any(w => !(w >= 0)) || choiceWeights.Sum() <= 0)
                throw new ArgumentException("choice weights need one non-negative value per op and a positive sum");
            if (choiceWeights.Count(w => w > 0) < numLayers)
                throw new ArgumentException($"weighted choice without replacement needs at least {numLayers} ops with positive weight");
            var sum = choiceWeights.Sum();
            _weights = [.. choiceWeights.Select(w => w / sum)];
        }
        _ops = [.. ops];
        NumLayers = numLayers;
        Magnitude = magnitude;
        Probability = probability;
        Options = options ?? new RandAugmentOptions();
    }

    /// <summary>The op set.</summary>
    public IReadOnlyList<string> Ops => _ops;

    /// <summary>Ops applied per image.</summary>
    public int NumLayers { get; }

    /// <summary>Magnitude on the 0..10 scale.</summary>
    public double Magnitude { get; }

    /// <summary>Chance each drawn op is applied.</summary>
    public double Probability { get; }

    /// <summary>Normalised choice weights, or null for a uniform choice.</summary>
    public IReadOnlyList<double>? ChoiceWeights => _weights;

    /// <summary>Fill, interpolation, translation and magnitude-noise settings.</summary>
    public RandAugmentOptions Options { get; }

    /// <summary>
    /// Builds RandAugment from a timm policy string such as <c>rand-m9-mstd0.5-inc1</c> or <c>rand-m7-n3-mstd0.5</c>:
    /// sections <c>m</c> magnitude, <c>n</c> layers, <c>mstd</c> magnitude noise (above 100: uniform), <c>mmax</c> magnitude
    /// clip, <c>p</c> op probability, <c>w</c> weight set (0), <c>inc</c> increasing ops. As in timm, any <c>inc</c> section
    /// selects the increasing ops (its value is not read), and sections without digits are ignored.
    /// </summary>
    /// <param name="config">The policy string.</param>
    /// <param name="options">Base options (fill, interpolation, translation); <c>mstd</c>/<c>mmax</c> override its magnitude settings.</param>
    /// <exception cref="FormatException">The string is not a RandAugment policy.</exception>
    public static RandAugment Parse(string config, RandAugmentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new RandAugmentOptions();
        var sections = config.Split('-');
        if (sections[0] != "rand")
            throw new FormatException($"RandAugment policy '{config}' must start with 'rand'");
        double magnitude = 10, probability = 0.5;
        var numLayers = 2;
        var increasing = false;
        int? weightIndex = null;
        foreach (var section in sections.Skip(1))
        {
            var m = SectionRegex().Match(section);
            if (!m.Success)
                continue;
            var key = section[..m.Index];
            var val = m.Value;
            try
            {
                switch (key)
                {
                    case "mstd":
                        var mstd = double.Parse(val, CultureInfo.InvariantCulture);
                        options = options with { MagnitudeStd = mstd > 100 ? double.PositiveInfinity : mstd };
                        break;
                    case "mmax":
                        options = options with { MagnitudeMax = int.Parse(val, CultureInfo.InvariantCulture) };
                        break;
                    case "inc":
                        increasing = true;
                        break;
                    case "m":
                        magnitude = int.Parse(val, CultureInfo.InvariantCulture);
                        break;
                    case "n":
                        numLayers = int.Parse(val, CultureInfo.InvariantCulture);
                        break;
                    case "p":
                        probability = double.Parse(val, CultureInfo.InvariantCulture);
                        break;
                    case "w":
                        weightIndex = int.Parse(val, CultureInfo.InvariantCulture);
                        if (weightIndex != 0)
                            throw new FormatException($"RandAugment policy '{config}': only weight set w0 exists, got w{weightIndex}");
                        break;
                    default:
                        throw new FormatException($"RandAugment policy '{config}': unknown section '{section}' (expected m, n, mstd, mmax, p, w or inc)");
                }
            }
            catch (Exception e) when (e is FormatException or OverflowException && e.Message.IndexOf("RandAugment", StringComparison.Ordinal) < 0)
            {
                throw new FormatException($"RandAugment policy '{config}': section '{section}' has a malformed number", e);
            }
        }
        var ops = increasing ? IncreasingOps : StandardOps;
        double[]? weights = weightIndex is null ? null : [.. ops.Select(o => s_choiceWeights0[BaseName(o)])];
        return new RandAugment(ops, numLayers, magnitude, probability, options, weights);
    }

    [GeneratedRegex(@"\d.*")]
    private static partial Regex SectionRegex();

    private static string BaseName(string op) => op.EndsWith("Increasing", StringComparison.Ordinal) ? op[..^"Increasing".Length] : op;

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(image);
        var g = RandomResizedCrop.RequireGenerator(generator, nameof(RandAugment));
        foreach (var op in ChooseOps(g))
        {
            if (Probability < 1.0 && g.NextDouble() > Probability)
                continue;
            var magnitude = Magnitude;
            if (Options.MagnitudeStd > 0)
            {
                magnitude = double.IsPositiveInfinity(Options.MagnitudeStd)
                    ? RandomResizedCrop.Uniform(g, 0, magnitude)
                    : magnitude + Options.MagnitudeStd * g.NextNormal();
            }
            var upper = Options.MagnitudeMax is { } mm && mm != 0 ? mm : 10.0;
            magnitude = Math.Max(0.0, Math.Min(magnitude, upper));
            image = ApplyOp(image, op, magnitude, g, Options);
        }
        return image;
    }

    private string[] ChooseOps(Generator g)
    {
        var chosen = new string[NumLayers];
        if (_weights is null)
        {
            for (var i = 0; i < NumLayers; i++)
                chosen[i] = _ops[g.NextInt(0, _ops.Length)];
            return chosen;
        }
        var w = (double[])_weights.Clone();
        for (var i = 0; i < NumLayers; i++)
        {
            var u = g.NextDouble() * w.Sum();
            var k = -1;
            var acc = 0.0;
            for (var j = 0; j < w.Length; j++)
            {
                if (w[j] <= 0)
                    continue;
                k = j;
                acc += w[j];
                if (u < acc)
                    break;
            }
            chosen[i] = _ops[k];
            w[k] = 0;
        }
        return chosen;
    }

    /// <summary>
    /// Applies one op at magnitude <paramref name="magnitude"/> (0..10 scale, no noise or clipping), drawing its sign and
    /// its warp filter from <paramref name="generator"/> as timm does.
    /// </summary>
    public static Image ApplyOp(Image image, string op, double magnitude, Generator generator, RandAugmentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(generator);
        options ??= new RandAugmentOptions();
        var level = magnitude / 10.0;
        switch (op)
        {
            case "AutoContrast":
                return ImageAdjust.AutoContrast(image);
            case "Equalize":
                return ImageAdjust.Equalize(image);
            case "Invert":
                return ImageAdjust.Invert(image);
            case "Rotate":
            {
                var degrees = Negate(level * 30.0);
                return ImageGeometry.Rotate(image, degrees, Filter(), Fill());
            }
            case "Posterize":
                return ImageAdjust.Posterize(image, (int)(level * 4));
            case "PosterizeIncreasing":
                return ImageAdjust.Posterize(image, 4 - (int)(level * 4));
            case "PosterizeOriginal":
                return ImageAdjust.Posterize(image, (int)(level * 4) + 4);
            case "Solarize":
                return ImageAdjust.Solarize(image, Math.Min(256, (int)(level * 256)));
            case "SolarizeIncreasing":
                return ImageAdjust.Solarize(image, 256 - Math.Min(256, (int)(level * 256)));
            case "SolarizeAdd":
                return ImageAdjust.SolarizeAdd(image, Math.Min(128, (int)(level * 110)));
            case "Color":
                return ImageAdjust.AdjustSaturation(image, level * 1.8 + 0.1);
            case "ColorIncreasing":
                return ImageAdjust.AdjustSaturation(image, IncreasingFactor());
            case "Contrast":
                return ImageAdjust.AdjustContrast(image, level * 1.8 + 0.1);
            case "ContrastIncreasing":
                return ImageAdjust.AdjustContrast(image, IncreasingFactor());
            case "Brightness":
                return ImageAdjust.AdjustBrightness(image, level * 1.8 + 0.1);
            case "BrightnessIncreasing":
                return ImageAdjust.AdjustBrightness(image, IncreasingFactor());
            case "Sharpness":
                return ImageAdjust.AdjustSharpness(image, level * 1.8 + 0.1);
            case "SharpnessIncreasing":
                return ImageAdjust.AdjustSharpness(image, IncreasingFactor());
            case "ShearX":
            {
                var f = Negate(level * 0.3);
                return ImageGeometry.Affine(image, [1, f, 0, 0, 1, 0], Filter(), Fill());
            }
            case "ShearY":
            {
                var f = Negate(level * 0.3);
                return ImageGeometry.Affine(image, [1, 0, 0, f, 1, 0], Filter(), Fill());
            }
            case "TranslateX":
            {
                var px = Negate(level * options.TranslateConst);
                return ImageGeometry.Affine(image, [1, 0, px, 0, 1, 0], Filter(), Fill());
            }
            case "TranslateY":
            {
                var px = Negate(level * options.TranslateConst);
                return ImageGeometry.Affine(image, [1, 0, 0, 0, 1, px], Filter(), Fill());
            }
            case "TranslateXRel":
            {
                var px = Negate(level * options.TranslatePct) * image.Width;
                return ImageGeometry.Affine(image, [1, 0, px, 0, 1, 0], Filter(), Fill());
            }
            case "TranslateYRel":
            {
                var px = Negate(level * options.TranslatePct) * image.Height;
                return ImageGeometry.Affine(image, [1, 0, 0, 0, 1, px], Filter(), Fill());
            }
            default:
                throw new ArgumentException($"unknown RandAugment op '{op}' (known: {string.Join(", ", KnownOps)})");
        }

        double Negate(double v) => generator.NextDouble() > 0.5 ? -v : v;

        double IncreasingFactor() => Math.Max(0.1, 1.0 + Negate(level * 0.9));

        Interpolation Filter()
        {
            var f = options.Interpolations;
            if (f.Count == 0)
                return Interpolation.Bilinear;
            return f.Count == 1 ? f[0] : f[generator.NextInt(0, f.Count)];
        }

        ReadOnlySpan<byte> Fill() => options.Fill is byte[] a ? a : options.Fill.ToArray();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"RandAugment(n={NumLayers}, m={Magnitude}, mstd={Options.MagnitudeStd}, p={Probability}, ops=[{string.Join(", ", _ops)}])";
}
