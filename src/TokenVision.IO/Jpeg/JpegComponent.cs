namespace TokenVision.IO.Jpeg;

/// <summary>One image component of a frame: its sampling, tables, geometry and decoded samples.</summary>
internal sealed class JpegComponent
{
    /// <summary>Creates the component as declared in the frame header.</summary>
    public JpegComponent(int id, int index, int h, int v, int quantTableId)
    {
        Id = id;
        Index = index;
        H = h;
        V = v;
        QuantTableId = quantTableId;
    }

    /// <summary>Component identifier from the frame header.</summary>
    public int Id { get; }

    /// <summary>Position of the component in the frame header.</summary>
    public int Index { get; }

    /// <summary>Horizontal sampling factor (1..4).</summary>
    public int H { get; }

    /// <summary>Vertical sampling factor (1..4).</summary>
    public int V { get; }

    /// <summary>Quantization table selector (0..3).</summary>
    public int QuantTableId { get; }

    /// <summary>Quantization values (natural order) latched when the component's first scan starts.</summary>
    public int[]? QuantValues { get; set; }

    /// <summary>IDCT multipliers derived from <see cref="QuantValues"/> (libjpeg keeps them as 16-bit signed values).</summary>
    public int[]? Quant { get; set; }

    /// <summary>DC Huffman table of the current scan.</summary>
    public JpegHuffmanTable? DcTable { get; set; }

    /// <summary>AC Huffman table of the current scan.</summary>
    public JpegHuffmanTable? AcTable { get; set; }

    /// <summary>Predictor for the next DC difference.</summary>
    public int DcPredictor { get; set; }

    /// <summary>Samples per line after downsampling: ceil(width * H / Hmax).</summary>
    public int DownsampledWidth { get; set; }

    /// <summary>Lines after downsampling: ceil(height * V / Vmax).</summary>
    public int DownsampledHeight { get; set; }

    /// <summary>Blocks per line that hold image data (a non-interleaved scan covers these).</summary>
    public int BlocksPerLine { get; set; }

    /// <summary>Block rows that hold image data.</summary>
    public int BlocksPerColumn { get; set; }

    /// <summary>Blocks per line including the dummy blocks of partial MCUs (interleaved scans cover these).</summary>
    public int PaddedBlocksPerLine { get; set; }

    /// <summary>Block rows including those of partial MCUs.</summary>
    public int PaddedBlocksPerColumn { get; set; }

    /// <summary>Decoded samples, <see cref="Stride"/> bytes per line (rented; padded to whole MCUs).</summary>
    public byte[] Plane { get; set; } = [];

    /// <summary>Bytes per line of <see cref="Plane"/>.</summary>
    public int Stride => PaddedBlocksPerLine * 8;

    /// <summary>Quantized coefficients of a progressive frame, 64 per block in natural order (rented).</summary>
    public short[] Coefficients { get; set; } = [];

    /// <summary>
    /// Progressive only: for each coefficient, the point transform of the last scan that coded it (-1: never coded).
    /// </summary>
    public int[] CoefficientBits { get; } = new int[64];

    /// <summary>True once any scan has carried data for this component.</summary>
    public bool HasData { get; set; }
}
