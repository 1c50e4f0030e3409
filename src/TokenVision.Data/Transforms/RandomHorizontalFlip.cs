using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>Mirrors the image left-right with probability <see cref="Probability"/> (torchvision <c>RandomHorizontalFlip</c>).</summary>
public sealed class RandomHorizontalFlip : IImageTransform
{
    /// <summary>Creates the transform; <paramref name="probability"/> defaults to 0.5.</summary>
    public RandomHorizontalFlip(double probability = 0.5)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in [0, 1]");
        Probability = probability;
    }

    /// <summary>Chance of flipping.</summary>
    public double Probability { get; }

    /// <inheritdoc/>
    public Image Apply(Image image, Generator? generator)
    {
        var g = RandomResizedCrop.RequireGenerator(generator, nameof(RandomHorizontalFlip));
        return g.NextDouble() < Probability ? ImageGeometry.FlipLeftRight(image) : image;
    }

    /// <inheritdoc/>
    public override string ToString() => $"RandomHorizontalFlip(p={Probability})";
}
