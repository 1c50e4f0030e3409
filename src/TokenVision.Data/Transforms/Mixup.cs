using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// Mixup (Zhang et al., 2017, arXiv:1710.09412) and CutMix (Yun et al., 2019, arXiv:1905.04899) on a batch, as timm's
/// <c>Mixup</c>: element i is mixed with element <c>B - 1 - i</c>; the targets become label-smoothed one-hot vectors
/// mixed with the same lambda, <c>y_i * lam + y_(B-1-i) * (1 - lam)</c>.
/// </summary>
/// <remarks>
/// With probability <see cref="Probability"/> a lambda is drawn from Beta(alpha, alpha); when both alphas are positive,
/// CutMix is chosen with probability <see cref="SwitchProbability"/>. CutMix pastes a box of side
/// <c>sqrt(1 - lam)</c> of the image (or of a size uniform in <see cref="CutmixMinMax"/>) centred uniformly (clipped at the
/// borders); with <see cref="CorrectLambda"/> lambda becomes <c>1 - box area / image area</c>. Smoothing <c>s</c> puts
/// <c>s / classes</c> on every class and <c>1 - s + s / classes</c> on the label.
/// </remarks>
public sealed class Mixup
{
    /// <summary>Creates the batch transform; the defaults are timm's.</summary>
    /// <param name="numClasses">Classes of the soft targets.</param>
    /// <param name="mixupAlpha">Beta parameter for mixup (0 disables mixup).</param>
    /// <param name="cutmixAlpha">Beta parameter for CutMix (0 disables CutMix unless <paramref name="cutmixMinMax"/> is set).</param>
    /// <param name="cutmixMinMax">Box side range as fractions of the image; when set, CutMix alpha is forced to 1.</param>
    /// <param name="probability">Chance a batch (or element) is mixed at all.</param>
    /// <param name="switchProbability">Chance of CutMix instead of mixup when both are enabled.</param>
    /// <param name="mode">Parameters per batch, per pair or per element.</param>
    /// <param name="correctLambda">Recompute lambda from the clipped CutMix box.</param>
    /// <param name="labelSmoothing">Label smoothing of the targets.</param>
    public Mixup(int numClasses, double mixupAlpha = 1.0, double cutmixAlpha = 0.0, (double Min, double Max)? cutmixMinMax = null, double probability = 1.0, double switchProbability = 0.5, MixupMode mode = MixupMode.Batch, bool correctLambda = true, double labelSmoothing = 0.1)
    {
        if (numClasses <= 0)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "must be positive");
        if (cutmixMinMax is { } mm)
        {
            if (!(mm.Min >= 0 && mm.Min <= mm.Max && mm.Max <= 1))
                throw new ArgumentException($"cutmix_minmax ({mm.Min}, {mm.Max}) must satisfy 0 <= min <= max <= 1");
            cutmixAlpha = 1.0;
        }
        if (!(mixupAlpha >= 0) || !(cutmixAlpha >= 0) || (mixupAlpha == 0 && cutmixAlpha == 0))
            throw new ArgumentException($"one of mixup_alpha ({mixupAlpha}) and cutmix_alpha ({cutmixAlpha}) must be positive, neither negative");
        if (!(probability >= 0 && probability <= 1) || !(switchProbability >= 0 && switchProbability <= 1))
            throw new ArgumentException("probabilities must be in [0, 1]");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "must be in [0, 1)");
        NumClasses = numClasses;
        MixupAlpha = mixupAlpha;
        CutmixAlpha = cutmixAlpha;
        CutmixMinMax = cutmixMinMax;
        Probability = probability;
        SwitchProbability = switchProbability;
        Mode = mode;
        CorrectLambda = correctLambda;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Classes of the soft targets.</summary>
    public int NumClasses { get; }

    /// <summary>Beta parameter of mixup.</summary>
    public double MixupAlpha { get; }

    /// <summary>Beta parameter of CutMix.</summary>
    public double CutmixAlpha { get; }

    /// <summary>CutMix box side range, or null for the lambda-derived box.</summary>
    public (double Min, double Max)? CutmixMinMax { get; }

    /// <summary>Chance of mixing.</summary>
    public double Probability { get; }

    /// <summary>Chance of CutMix when both are enabled.</summary>
    public double SwitchProbability { get; }

    /// <summary>Per batch, pair or element.</summary>
    public MixupMode Mode { get; }

    /// <summary>Whether CutMix lambda is recomputed from the clipped box.</summary>
    public bool CorrectLambda { get; }

    /// <summary>Label smoothing of the targets.</summary>
    public double LabelSmoothing { get; }

    /// <summary>When false, batches pass unmixed (targets are still smoothed), as timm's <c>mixup_enabled</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Mixes a batch in place and returns the soft targets <c>[B, NumClasses]</c> (row-major).
    /// </summary>
    /// <param name="images">The batch, <c>[B, C, H, W]</c> row-major; modified in place.</param>
    /// <param name="batch">B, which must be even.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="labels">B class indices.</param>
    /// <param name="generator">Source of randomness.</param>
    /// <param name="lambdas">Receives the per-element lambda actually used, if not empty (length B).</param>
    public float[] Apply(Span<float> images, int batch, int channels, int height, int width, ReadOnlySpan<long> labels, Generator generator, Span<float> lambdas = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (batch <= 0 || batch % 2 != 0)
            throw new ArgumentException($"mixup needs an even batch size, got {batch}");
        var sample = checked(channels * height * width);
        if (images.Length != batch * sample)
            throw new ArgumentException($"{images.Length} values do not hold a [{batch}, {channels}, {height}, {width}] batch");
        if (labels.Length != batch)
            throw new ArgumentException($"{labels.Length} labels for a batch of {batch}");
        if (!lambdas.IsEmpty && lambdas.Length != batch)
            throw new ArgumentException($"lambda output has {lambdas.Length} slots for a batch of {batch}");
        var original = images.ToArray();
        var lam = new float[batch];
        switch (Mode)
        {
            case MixupMode.Batch:
            {
                var (l, cut) = ParamsPerBatch(generator);
                if (l != 1.0)
                {
                    if (cut)
                    {
                        var box = CutmixBox(height, width, l, generator, CutmixMinMax, CorrectLambda);
                        l = box.Lambda;
                        for (var i = 0; i < batch; i++)
                            CopyBox(original, batch - 1 - i, images, i, channels, height, width, box);
                    }
                    else
                    {
                        float a = (float)l, b = (float)(1.0 - l);
                        for (var i = 0; i < batch; i++)
                            Blend(original, i, batch - 1 - i, images, sample, a, b);
                    }
                }
                lam.AsSpan().Fill((float)l);
                break;
            }
            case MixupMode.Elem:
            {
                var (lp, cut) = ParamsPerElem(batch, generator);
                for (var i = 0; i < batch; i++)
                {
                    var j = batch - 1 - i;
                    lam[i] = lp[i];
                    if (lp[i] == 1f)
                        continue;
                    if (cut[i])
                    {
                        var box = CutmixBox(height, width, lp[i], generator, CutmixMinMax, CorrectLambda);
                        CopyBox(original, j, images, i, channels, height, width, box);
                        lam[i] = (float)box.Lambda;
                    }
                    else
                    {
                        Blend(original, i, j, images, sample, lp[i], 1f - lp[i]);
                    }
                }
                break;
            }
            default:
            {
                var half = batch / 2;
                var (lp, cut) = ParamsPerElem(half, generator);
                for (var i = 0; i < half; i++)
                {
                    var j = batch - 1 - i;
                    lam[i] = lp[i];
                    if (lp[i] == 1f)
                        continue;
                    if (cut[i])
                    {
                        var box = CutmixBox(height, width, lp[i], generator, CutmixMinMax, CorrectLambda);
                        CopyBox(original, j, images, i, channels, height, width, box);
                        CopyBox(original, i, images, j, channels, height, width, box);
                        lam[i] = (float)box.Lambda;
                    }
                    else
                    {
                        Blend(original, i, j, images, sample, lp[i], 1f - lp[i]);
                        Blend(original, j, i, images, sample, lp[i], 1f - lp[i]);
                    }
                }
                for (var i = 0; i < half; i++)
                    lam[batch - 1 - i] = lam[i];
                break;
            }
        }
        if (!lambdas.IsEmpty)
            lam.CopyTo(lambdas);
        return MixupTarget(labels, NumClasses, lam, LabelSmoothing);
    }

    /// <summary>
    /// Mixes a <c>[B, C, H, W]</c> float batch with int64 labels <c>[B]</c>; returns new tensors (inputs are not modified):
    /// the mixed images and the soft targets <c>[B, NumClasses]</c>.
    /// </summary>
    public (Tensor Images, Tensor Targets) Apply(Tensor images, Tensor labels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Rank != 4)
            throw new ArgumentException($"mixup expects images [B, C, H, W], got {images.Shape}");
        if (labels.Rank != 1 || labels.Size(0) != images.Size(0))
            throw new ArgumentException($"mixup expects labels [{images.Size(0)}], got {labels.Shape}");
        var x = images.ToArray();
        var y = labels.ToInt64Array();
        int b = images.Size(0), c = images.Size(1), h = images.Size(2), w = images.Size(3);
        var targets = Apply(x, b, c, h, w, y, generator);
        return (Tensor.FromArray(x, b, c, h, w), Tensor.FromArray(targets, b, NumClasses));
    }

    /// <summary>timm's <c>mixup_target</c>: smoothed one-hot of each label mixed with that of its partner <c>B - 1 - i</c>.</summary>
    public static float[] MixupTarget(ReadOnlySpan<long> labels, int numClasses, ReadOnlySpan<float> lambdas, double smoothing)
    {
        var b = labels.Length;
        if (lambdas.Length != b)
            throw new ArgumentException($"{lambdas.Length} lambdas for {b} labels");
        var off = (float)(smoothing / numClasses);
        var on = (float)(1.0 - smoothing + smoothing / numClasses);
        var targets = new float[b * numClasses];
        for (var i = 0; i < b; i++)
        {
            var y1 = labels[i];
            var y2 = labels[b - 1 - i];
            if ((ulong)y1 >= (ulong)numClasses || (ulong)y2 >= (ulong)numClasses)
                throw new ArgumentException($"label {((ulong)y1 >= (ulong)numClasses ? y1 : y2)} is outside [0, {numClasses})");
            var l = lambdas[i];
            var m = 1f - l;
            var row = targets.AsSpan(i * numClasses, numClasses);
            for (var k = 0; k < numClasses; k++)
                row[k] = (k == y1 ? on : off) * l + (k == y2 ? on : off) * m;
        }
        return targets;
    }

    /// <summary>
    /// timm's <c>cutmix_bbox_and_lam</c>: the box rows [Top, Bottom) and columns [Left, Right) and the lambda it implies.
    /// </summary>
    public static (int Top, int Bottom, int Left, int Right, double Lambda) CutmixBox(int height, int width, double lambda, Generator generator, (double Min, double Max)? minMax = null, bool correctLambda = true)
    {
        ArgumentNullException.ThrowIfNull(generator);
        int top, bottom, left, right;
        if (minMax is { } mm)
        {
            var cutH = RandInt(generator, (int)(height * mm.Min), (int)(height * mm.Max));
            var cutW = RandInt(generator, (int)(width * mm.Min), (int)(width * mm.Max));
            top = RandInt(generator, 0, height - cutH);
            left = RandInt(generator, 0, width - cutW);
            bottom = top + cutH;
            right = left + cutW;
        }
        else
        {
            var ratio = Math.Sqrt(1 - lambda);
            var cutH = (int)(height * ratio);
            var cutW = (int)(width * ratio);
            var cy = generator.NextInt(0, height);
            var cx = generator.NextInt(0, width);
            top = Math.Clamp(cy - cutH / 2, 0, height);
            bottom = Math.Clamp(cy + cutH / 2, 0, height);
            left = Math.Clamp(cx - cutW / 2, 0, width);
            right = Math.Clamp(cx + cutW / 2, 0, width);
        }
        if (correctLambda || minMax is not null)
            lambda = 1.0 - (double)(bottom - top) * (right - left) / ((double)height * width);
        return (top, bottom, left, right, lambda);
    }

    /// <summary>numpy's <c>randint(low, high)</c> (high exclusive); an empty range gives <paramref name="low"/>.</summary>
    private static int RandInt(Generator g, int low, int high) => high > low ? g.NextInt(low, high) : low;

    private (double Lambda, bool Cutmix) ParamsPerBatch(Generator g)
    {
        var lam = 1.0;
        var cut = false;
        if (Enabled && g.NextDouble() < Probability)
        {
            if (MixupAlpha > 0 && CutmixAlpha > 0)
            {
                cut = g.NextDouble() < SwitchProbability;
                lam = cut ? Distributions.Beta(g, CutmixAlpha, CutmixAlpha) : Distributions.Beta(g, MixupAlpha, MixupAlpha);
            }
            else if (MixupAlpha > 0)
            {
                lam = Distributions.Beta(g, MixupAlpha, MixupAlpha);
            }
            else
            {
                cut = true;
                lam = Distributions.Beta(g, CutmixAlpha, CutmixAlpha);
            }
        }
        return (lam, cut);
    }

    private (float[] Lambda, bool[] Cutmix) ParamsPerElem(int n, Generator g)
    {
        var lam = new float[n];
        var cut = new bool[n];
        lam.AsSpan().Fill(1f);
        if (!Enabled)
            return (lam, cut);
        for (var i = 0; i < n; i++)
        {
            double l;
            if (MixupAlpha > 0 && CutmixAlpha > 0)
            {
                cut[i] = g.NextDouble() < SwitchProbability;
                l = cut[i] ? Distributions.Beta(g, CutmixAlpha, CutmixAlpha) : Distributions.Beta(g, MixupAlpha, MixupAlpha);
            }
            else if (MixupAlpha > 0)
            {
                l = Distributions.Beta(g, MixupAlpha, MixupAlpha);
            }
            else
            {
                cut[i] = true;
                l = Distributions.Beta(g, CutmixAlpha, CutmixAlpha);
            }
            if (g.NextDouble() < Probability)
                lam[i] = (float)l;
        }
        return (lam, cut);
    }

    private static void Blend(float[] original, int i, int j, Span<float> images, int sample, float a, float b)
    {
        var xi = original.AsSpan(i * sample, sample);
        var xj = original.AsSpan(j * sample, sample);
        var dst = images.Slice(i * sample, sample);
        for (var k = 0; k < sample; k++)
            dst[k] = xi[k] * a + xj[k] * b;
    }

    private static void CopyBox(float[] original, int from, Span<float> images, int to, int channels, int height, int width, (int Top, int Bottom, int Left, int Right, double Lambda) box)
    {
        var sample = channels * height * width;
        var n = box.Right - box.Left;
        if (n <= 0)
            return;
        for (var c = 0; c < channels; c++)
        {
            for (var y = box.Top; y < box.Bottom; y++)
            {
                var offset = (c * height + y) * width + box.Left;
                original.AsSpan(from * sample + offset, n).CopyTo(images.Slice(to * sample + offset, n));
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Mixup(mixup_alpha={MixupAlpha}, cutmix_alpha={CutmixAlpha}, cutmix_minmax={(CutmixMinMax is { } m ? $"({m.Min}, {m.Max})" : "None")}, prob={Probability}, switch_prob={SwitchProbability}, mode={Mode.ToString().ToLowerInvariant()}, label_smoothing={LabelSmoothing}, num_classes={NumClasses})";
}
