using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>A step of an image pipeline that maps an 8-bit image to a new one (inputs are never modified).</summary>
public interface IImageTransform
{
    /// <summary>Applies the step. Random steps draw from <paramref name="generator"/> and refuse null; deterministic steps ignore it.</summary>
    Image Apply(Image image, Generator? generator);
}
