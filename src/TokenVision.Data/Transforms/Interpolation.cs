namespace TokenVision.Data.Transforms;

/// <summary>Resampling filters, numbered and named as PIL's <c>Image.Resampling</c> (timm and torchvision use these names).</summary>
public enum Interpolation
{
    /// <summary>Nearest neighbour (PIL 0).</summary>
    Nearest = 0,
    /// <summary>Lanczos, a = 3 (PIL 1).</summary>
    Lanczos = 1,
    /// <summary>Bilinear (triangle) filter (PIL 2).</summary>
    Bilinear = 2,
    /// <summary>Bicubic convolution, a = -0.5 (PIL 3).</summary>
    Bicubic = 3,
    /// <summary>Box filter (PIL 4).</summary>
    Box = 4,
    /// <summary>Hamming-windowed sinc, support 1 (PIL 5).</summary>
    Hamming = 5,
}
