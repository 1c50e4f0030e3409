namespace TokenVision.Tensors;

/// <summary>How a loss reduces its per-element values.</summary>
public enum Reduction
{
    /// <summary>Average (for class losses: over the targets that count, weighted).</summary>
    Mean,
    /// <summary>Sum.</summary>
    Sum,
    /// <summary>No reduction: one value per element or sample.</summary>
    None,
}

public static partial class Functional
{
    /// <summary>
    /// Cross entropy of logits [N, C] (or [N, C, d...]) against int64 class indices [N] (or [N, d...]), with
    /// optional class <paramref name="weight"/>, <paramref name="ignoreIndex"/> and <paramref name="labelSmoothing"/>,
    /// as torch.nn.functional.cross_entropy.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, float labelSmoothing = 0f)
    {
        if (target.DType != DType.Int64)
            return SoftCrossEntropy(logits, target, weight, reduction, labelSmoothing);
        if (labelSmoothing is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1]");
        using var logp = LogSoftmax(logits, 1);
        var nll = NllLoss(logp, target, weight, ignoreIndex, reduction);
        if (labelSmoothing == 0)
            return nll;
        // Smoothing term: -sum_c w_c log p_c / C per sample, over the samples that are not ignored.
        var c = logits.ShapeArray[1];
        using (nll)
        {
            using var valid = target.Ne(ignoreIndex);
            using var validF = valid.To(DType.Float32);
            Tensor perSample;
            if (weight is null)
            {
                using var s = logp.Sum(1);
                perSample = s.Neg();
            }
            else
            {
                var shape = Enumerable.Repeat(1, logp.Rank).ToArray();
                shape[1] = c;
                using var w = weight.Reshape(shape);
                using var wl = logp * w;
                using var s = wl.Sum(1);
                perSample = s.Neg();
            }
            using (perSample)
            {
                using var masked = perSample * validF;
                Tensor smooth;
                if (reduction == Reduction.None)
                {
                    smooth = masked.Identity();
                }
                else if (reduction == Reduction.Sum)
                {
                    smooth = masked.Sum();
                }
                else
                {
                    using var total = masked.Sum();
                    using var denom = WeightDenominator(target, weight, valid);
                    smooth = total / denom;
                }
                using (smooth)
                {
                    using var a = nll.Mul(1 - labelSmoothing);
                    using var b = smooth.Mul(labelSmoothing / c);
                    return a + b;
                }
            }
        }
    }

    /// <summary>Cross entropy against class probabilities [N, C] (soft targets, e.g. from mixup), optionally smoothed.</summary>
    public static Tensor SoftCrossEntropy(Tensor logits, Tensor targetProbs, Tensor? weight = null, Reduction reduction = Reduction.Mean, float labelSmoothing = 0f)
    {
        if (targetProbs.Shape != logits.Shape)
            throw new ArgumentException($"CrossEntropy: soft targets {targetProbs.Shape} must match logits {logits.Shape}");
        var c = logits.ShapeArray[1];
        using var logp = LogSoftmax(logits, 1);
        using var t = labelSmoothing == 0 ? targetProbs.Identity() : Smooth(targetProbs, labelSmoothing, c);
        Tensor prod;
        if (weight is null)
        {
            prod = logp * t;
        }
        else
        {
            var shape = Enumerable.Repeat(1, logp.Rank).ToArray();
            shape[1] = c;
            using var w = weight.Reshape(shape);
            using var lw = logp * w;
            prod = lw * t;
        }
        using (prod)
        {
            using var s = prod.Sum(1);
            using var loss = s.Neg();
            return Reduce(loss, reduction);
        }

        static Tensor Smooth(Tensor t, float eps, int c)
        {
            using var a = t.Mul(1 - eps);
            return a.Add(eps / c);
        }
    }

    /// <summary>Negative log-likelihood of log-probabilities [N, C, d...] at int64 targets [N, d...].</summary>
    public static Tensor NllLoss(Tensor logProbs, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        if (target.DType != DType.Int64)
            throw new ArgumentException($"NllLoss: targets must be int64 class indices, got {target.DType.Name()}");
        if (logProbs.Rank < 2 || target.Rank != logProbs.Rank - 1 || target.ShapeArray[0] != logProbs.ShapeArray[0])
            throw new ArgumentException($"NllLoss: input {logProbs.Shape} and target {target.Shape} must be [N, C, d...] and [N, d...]");
        var c = logProbs.ShapeArray[1];
        using var valid = target.Ne(ignoreIndex);
        var t = target.ToInt64Array();
        var v = valid.ToBoolArray();
        for (var i = 0; i < t.Length; i++)
            if (v[i] && (t[i] < 0 || t[i] >= c))
                throw new ArgumentException($"NllLoss: target {t[i]} at position {i} is out of range for {c} classes");
        using var safeTarget = Tensor.FromArray(t.Select((x, i) => v[i] ? x : 0L).ToArray(), target.ShapeArray);
        using var idx = safeTarget.Unsqueeze(1);
        using var picked = logProbs.Gather(1, idx);
        using var pickedS = picked.Squeeze(1);
        using var validF = valid.To(DType.Float32);
        Tensor weighted;
        if (weight is null)
        {
            weighted = pickedS * validF;
        }
        else
        {
            using var flatTarget = safeTarget.Reshape(-1);
            using var wt = weight.IndexSelect(0, flatTarget);
            using var w = wt.Reshape(target.ShapeArray);
            using var wv = w * validF;
            weighted = pickedS * wv;
        }
        using (weighted)
        {
            using var loss = weighted.Neg();
            if (reduction != Reduction.Mean)
                return Reduce(loss, reduction);
            using var total = loss.Sum();
            using var denom = WeightDenominator(target, weight, valid);
            return total / denom;
        }
    }

    /// <summary>Sum of the weights of the targets that count (the count when unweighted).</summary>
    private static Tensor WeightDenominator(Tensor target, Tensor? weight, Tensor valid)
    {
        using var noGrad = Grad.Disabled();
        if (weight is null)
        {
            using var vf = valid.To(DType.Float32);
            return vf.Sum();
        }
        var t = target.ToInt64Array();
        var v = valid.ToBoolArray();
        var w = weight.ToArray();
        var sum = 0.0;
        for (var i = 0; i < t.Length; i++)
            if (v[i])
                sum += w[t[i]];
        return Tensor.Scalar((float)sum);
    }

    /// <summary>
    /// KL divergence with <paramref name="input"/> as log-probabilities and <paramref name="target"/> as
    /// probabilities (or log-probabilities when <paramref name="logTarget"/>): target * (log target - input).
    /// <paramref name="batchMean"/> divides the sum by the batch size, as reduction='batchmean'.
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool batchMean = false, bool logTarget = false)
    {
        Tensor pointwise;
        if (logTarget)
        {
            using var et = target.Exp();
            using var d = target - input;
            pointwise = et * d;
        }
        else
        {
            // 0 * log 0 = 0, as xlogy.
            using var positive = target.Gt(0);
            using var safe = Tensor.Where(positive, target, 1f);
            using var lt = safe.Log();
            using var d = lt - input;
            using var p = target * d;
            pointwise = Tensor.Where(positive, p, 0f);
        }
        using (pointwise)
        {
            if (batchMean)
            {
                using var s = pointwise.Sum();
                return s.Mul(1f / input.ShapeArray[0]);
            }
            return Reduce(pointwise, reduction);
        }
    }

    /// <summary>Binary cross entropy on logits, computed stably: max(x, 0) - x y + log(1 + e^-|x|), with optional pos_weight.</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        // (1 - y) x + (1 + (pw - 1) y) (log(1 + e^-|x|) + max(-x, 0))
        using var negX = logits.Neg();
        using var relNeg = negX.Relu();
        using var absX = logits.Abs();
        using var negAbs = absX.Neg();
        using var e = negAbs.Exp();
        using var lp = e.Add(1f);
        using var log1p = lp.Log();
        using var softTerm = log1p + relNeg;
        using var oneMinusY = target.RSub(1f);
        using var linear = oneMinusY * logits;
        Tensor loss;
        if (posWeight is null)
        {
            loss = linear + softTerm;
        }
        else
        {
            using var pwm1 = posWeight.Add(-1f);
            using var scaled = pwm1 * target;
            using var coef = scaled.Add(1f);
            using var weightedSoft = coef * softTerm;
            loss = linear + weightedSoft;
        }
        if (weight is not null)
        {
            using var l = loss;
            loss = l * weight;
        }
        using (loss)
            return Reduce(loss, reduction);
    }

    /// <summary>Mean squared error.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        using var d = input - target;
        using var sq = d.Square();
        return Reduce(sq, reduction);
    }

    /// <summary>Mean absolute error.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        using var d = input - target;
        using var a = d.Abs();
        return Reduce(a, reduction);
    }

    /// <summary>Smooth L1 (Huber-like): 0.5 d²/beta where |d| &lt; beta, else |d| - 0.5 beta.</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, float beta = 1f)
    {
        using var d = input - target;
        using var a = d.Abs();
        if (beta == 0)
            return Reduce(a, reduction);
        using var small = a.Lt(beta);
        using var sq = d.Square();
        using var quad = sq.Mul(0.5f / beta);
        using var lin = a.Add(-0.5f * beta);
        using var l = Tensor.Where(small, quad, lin);
        return Reduce(l, reduction);
    }

    private static Tensor Reduce(Tensor loss, Reduction reduction) => reduction switch
    {
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        _ => loss.Identity(),
    };
}
