namespace TokenVision.Data.Transforms;

/// <summary>The lower-case names timm configs use for <see cref="Interpolation"/> ("bicubic", "bilinear", ...).</summary>
public static class InterpolationNames
{
    /// <summary>Parses a timm/torchvision interpolation name (case-insensitive; "antialias" is read as bilinear, as timm's loader does).</summary>
    /// <exception cref="ArgumentException">The name is not a known interpolation.</exception>
    public static Interpolation Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "nearest" => Interpolation.Nearest,
            "bilinear" or "linear" or "antialias" => Interpolation.Bilinear,
            "bicubic" or "cubic" => Interpolation.Bicubic,
            "box" => Interpolation.Box,
            "hamming" => Interpolation.Hamming,
            "lanczos" => Interpolation.Lanczos,
            _ => throw new ArgumentException($"unknown interpolation '{name}' (expected nearest, bilinear, bicubic, box, hamming or lanczos)"),
        };
    }

    /// <summary>Parses a train-time interpolation: "random" gives timm's random choice of bilinear and bicubic, anything else one filter.</summary>
    public static Interpolation[] ParseChoices(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Equals(name.Trim(), "random", StringComparison.OrdinalIgnoreCase)
            ? [Interpolation.Bilinear, Interpolation.Bicubic]
            : [Parse(name)];
    }

    /// <summary>The lower-case name of <paramref name="interpolation"/>.</summary>
    public static string Name(Interpolation interpolation) => interpolation switch
    {
        Interpolation.Nearest => "nearest",
        Interpolation.Bilinear => "bilinear",
        Interpolation.Bicubic => "bicubic",
        Interpolation.Box => "box",
        Interpolation.Hamming => "hamming",
        Interpolation.Lanczos => "lanczos",
        _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "unknown interpolation"),
    };
}
