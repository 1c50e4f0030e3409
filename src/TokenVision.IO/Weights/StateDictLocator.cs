namespace TokenVision.IO.Weights;

/// <summary>Finds the state dict inside an unpickled checkpoint the way timm's <c>load_state_dict</c> does, and flattens it.</summary>
internal static class StateDictLocator
{
    /// <summary>Returns the dotted path chosen (<c>""</c> for the root) and the dict there.</summary>
    public static (string Path, CheckpointDict Dict) Select(string file, object? root, StateDictOptions options)
    {
        var (path, value) = options.Key is { } key ? Navigate(file, root, key) : Automatic(root, options.UseEma);
        return value is CheckpointDict dict
            ? (path, dict)
            : throw new WeightFormatException(file, path == "" ? null : path, $"{(path == "" ? "checkpoint root" : "selected value")} is {PickleMachine.Describe(value)}, not a state dict");
    }

    private static (string, object?) Automatic(object? root, bool useEma)
    {
        if (root is not CheckpointDict dict)
            return ("", root);
        if (useEma && dict.TryGetValue("state_dict_ema", out var ema) && ema is not null)
            return ("state_dict_ema", ema);
        if (useEma && dict.TryGetValue("model_ema", out var modelEma) && modelEma is not null)
            return ("model_ema", modelEma);
        if (dict.TryGetValue("state_dict", out var stateDict))
            return ("state_dict", stateDict);
        if (dict.TryGetValue("model", out var model))
            return ("model", model);
        return ("", root);
    }

    private static (string, object?) Navigate(string file, object? root, string key)
    {
        if (key.Length == 0)
            return ("", root);
        if (root is CheckpointDict top && top.TryGetValue(key, out var whole))
            return (key, whole);
        var current = root;
        var walked = "";
        foreach (var part in key.Split('.'))
        {
            walked = walked.Length == 0 ? part : walked + "." + part;
            if (current is CheckpointDict dict && dict.TryGetValue(part, out var next))
            {
                current = next;
                continue;
            }
            var available = current is CheckpointDict d ? string.Join(", ", d.Keys.Take(20).Select(TorchCheckpointReader.KeyText)) : PickleMachine.Describe(current);
            throw new WeightFormatException(file, walked, $"not found in the checkpoint (available: {available})");
        }
        return (key, current);
    }
}
