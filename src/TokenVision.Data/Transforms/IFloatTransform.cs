using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>A step that runs after <see cref="ToTensorNormalize"/>, on the normalised float image (timm's tensor-side transforms).</summary>
public interface IFloatTransform
{
    /// <summary>Applies the step; it may modify <paramref name="image"/> in place and return it. Random steps draw from <paramref name="generator"/>.</summary>
    FloatImage Apply(FloatImage image, Generator? generator);
}
