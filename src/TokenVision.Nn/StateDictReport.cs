namespace TokenVision.Nn;

/// <summary>What a state-dict load found: keys the module has but the dict lacks, keys the module does not know, and shape mismatches.</summary>
public sealed record StateDictReport(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Mismatched)
{
    /// <summary>True when every key matched in name and shape.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>A multi-line description listing every key.</summary>
    public override string ToString()
    {
        var lines = new List<string>();
        if (Missing.Count > 0)
            lines.Add($"missing keys ({Missing.Count}): {string.Join(", ", Missing)}");
        if (Unexpected.Count > 0)
            lines.Add($"unexpected keys ({Unexpected.Count}): {string.Join(", ", Unexpected)}");
        if (Mismatched.Count > 0)
            lines.Add($"shape mismatches ({Mismatched.Count}): {string.Join("; ", Mismatched)}");
        return lines.Count == 0 ? "all keys match" : string.Join(Environment.NewLine, lines);
    }
}
