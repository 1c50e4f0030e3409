namespace TokenVision.IO.Imaging;

/// <summary>Image file formats recognised by their signature.</summary>
public enum ImageFormat
{
    /// <summary>Not a recognised image.</summary>
    Unknown,
    /// <summary>PNG (89 50 4E 47 0D 0A 1A 0A).</summary>
    Png,
    /// <summary>JPEG (FF D8 FF).</summary>
    Jpeg,
}
