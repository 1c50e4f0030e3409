namespace TokenVision.Data.Transforms;

/// <summary>How <see cref="Mixup"/> draws its mixing parameters (timm's <c>mode</c>).</summary>
public enum MixupMode
{
    /// <summary>One lambda (and one choice of mixup or cutmix) for the whole batch.</summary>
    Batch,
    /// <summary>One lambda per pair (i, B-1-i); both members of a pair are mixed with each other.</summary>
    Pair,
    /// <summary>One lambda per element.</summary>
    Elem,
}
