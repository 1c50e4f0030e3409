namespace TokenVision.IO.Weights;

/// <summary>Which part of a PyTorch checkpoint holds the state dict, and how to present its keys.</summary>
public sealed record StateDictOptions
{
    /// <summary>timm's defaults: automatic selection preferring EMA weights, keys unchanged.</summary>
    public static StateDictOptions Default { get; } = new();

    /// <summary>
    /// Path of the state dict inside the checkpoint: null selects automatically (see <see cref="UseEma"/>); <c>""</c> is the
    /// whole checkpoint, flattened; otherwise a key such as <c>model</c>, or a dotted path such as <c>ema.module</c>.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>
    /// Automatic selection as timm's <c>load_state_dict(use_ema)</c>: when the root is a dict, use <c>state_dict_ema</c> or
    /// <c>model_ema</c> (if this is true and the value is not None), else <c>state_dict</c>, else <c>model</c>, else the root.
    /// Default true, as in timm.
    /// </summary>
    public bool UseEma { get; init; } = true;

    /// <summary>Remove one leading <c>module.</c> from every key (weights saved from <c>DataParallel</c>/<c>DistributedDataParallel</c>), as timm's <c>clean_state_dict</c> does.</summary>
    public bool StripModulePrefix { get; init; }
}
