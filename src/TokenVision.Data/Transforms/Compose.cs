using System.Text;
using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Transforms;

/// <summary>
/// An image pipeline as torchvision's <c>Compose</c> runs it: 8-bit image steps, then <see cref="ToTensorNormalize"/>,
/// then float steps. Random steps share the one <see cref="Generator"/> passed in, in order, so a seed reproduces the
/// output.
/// </summary>
public sealed class Compose
{
    private readonly IImageTransform[] _imageSteps;
    private readonly IFloatTransform[] _floatSteps;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="imageSteps">Steps on the 8-bit image, in order.</param>
    /// <param name="toTensor">The conversion to a normalised float image.</param>
    /// <param name="floatSteps">Steps on the float image, in order.</param>
    public Compose(IEnumerable<IImageTransform> imageSteps, ToTensorNormalize toTensor, IEnumerable<IFloatTransform>? floatSteps = null)
    {
        ArgumentNullException.ThrowIfNull(imageSteps);
        ArgumentNullException.ThrowIfNull(toTensor);
        _imageSteps = [.. imageSteps];
        _floatSteps = floatSteps is null ? [] : [.. floatSteps];
        ToTensor = toTensor;
    }

    /// <summary>The 8-bit steps.</summary>
    public IReadOnlyList<IImageTransform> ImageSteps => _imageSteps;

    /// <summary>The conversion to float.</summary>
    public ToTensorNormalize ToTensor { get; }

    /// <summary>The float steps.</summary>
    public IReadOnlyList<IFloatTransform> FloatSteps => _floatSteps;

    /// <summary>Runs only the 8-bit steps (e.g. to see the resized and cropped image).</summary>
    public Image ApplyImage(Image image, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        foreach (var step in _imageSteps)
            image = step.Apply(image, generator);
        return image;
    }

    /// <summary>Runs the whole pipeline: a normalised <c>[C, H, W]</c> float image.</summary>
    public FloatImage Apply(Image image, Generator? generator = null)
    {
        var x = ToTensor.Apply(ApplyImage(image, generator));
        foreach (var step in _floatSteps)
            x = step.Apply(x, generator);
        return x;
    }

    /// <summary>Runs the whole pipeline and returns a float32 tensor <c>[C, H, W]</c>, or <c>[1, C, H, W]</c> when <paramref name="batched"/>.</summary>
    public Tensor ApplyTensor(Image image, Generator? generator = null, bool batched = false) =>
        Apply(image, generator).ToTensor(batched);

    /// <summary>The steps, one per line, as torchvision prints a <c>Compose</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Compose(\n");
        foreach (var s in _imageSteps)
            sb.Append("    ").Append(s).Append('\n');
        sb.Append("    ").Append(ToTensor).Append('\n');
        foreach (var s in _floatSteps)
            sb.Append("    ").Append(s).Append('\n');
        return sb.Append(')').ToString();
    }
}
