namespace TokenVision.IO.Jpeg;

/// <summary>A scan header: its components and, for progressive scans, spectral band and successive-approximation bits.</summary>
internal sealed record JpegScan(JpegComponent[] Components, int SpectralStart, int SpectralEnd, int ApproxHigh, int ApproxLow);
