using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>torchvision's <c>RandomApply</c>: runs the inner steps with probability <see cref="Probability"/>.</summary>
public sealed class RandomApply : IImageTransform
{
    private readonly IImageTransform[] _steps;

    /// <summary>Creates the transform.</summary>
    public RandomApply(IEnumerable<IImageTransform> steps, double probability = 0.5)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in [0, 1]");
        _steps = [.. steps];
        Probability = probability;
    }

    /// <summary>Chance the steps run.</summary>
    public double Probability { get; }

    /// <summary>The inner steps.</summary>
    public IReadOnlyList<IImageTransform> Steps => _steps;

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        var g = RandomResizedCrop.RequireGenerator(generator, nameof(RandomApply));
        if (Probability < g.NextDouble())
            return image;
        foreach (var s in _steps)
            image = s.Apply(image, g);
        return image;
    }

    /// <inheritdoc/>
    public override string ToString() => $"RandomApply(p={Probability}, [{string.Join(", ", _steps.Select(s => s.ToString()))}])";
}
