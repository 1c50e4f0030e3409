using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Datasets;

/// <summary>
/// Images and labels from a pair of IDX files (MNIST, Fashion-MNIST): images <c>[N, H, W]</c> (gray) or
/// <c>[N, H, W, C]</c> with C = 1 or 3, labels <c>[N]</c>. Held in memory; items are transformed on demand.
/// </summary>
public sealed class IdxDataset : IDataset
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;
    private readonly ColorModel _model;
    private readonly string _source;

    /// <summary>Reads the two files; errors name the file and the reason.</summary>
    /// <param name="imagesPath">IDX images, raw or gzip.</param>
    /// <param name="labelsPath">IDX labels, raw or gzip.</param>
    /// <param name="transform">Pipeline for each image, or null for a plain to-tensor (<c>v / 255</c>).</param>
    public IdxDataset(string imagesPath, string labelsPath, Compose? transform = null)
        : this(IdxFile.Read(imagesPath), IdxFile.Read(labelsPath), transform, imagesPath, labelsPath)
    {
    }

    /// <summary>Wraps arrays already read.</summary>
    /// <param name="images">Images, <c>[N, H, W]</c> or <c>[N, H, W, C]</c>.</param>
    /// <param name="labels">Labels, <c>[N]</c>.</param>
    /// <param name="transform">Pipeline for each image, or null for a plain to-tensor.</param>
    /// <param name="imagesSource">Name of the images in messages.</param>
    /// <param name="labelsSource">Name of the labels in messages.</param>
    public IdxDataset(IdxArray images, IdxArray labels, Compose? transform = null, string imagesSource = "<images>", string labelsSource = "<labels>")
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        var s = images.Shape;
        if (s.Count is not (3 or 4) || (s.Count == 4 && s[3] is not (1 or 3)))
            throw new InvalidDataException($"{imagesSource}: IDX images must be [N, H, W] or [N, H, W, 1|3], got [{string.Join(", ", s)}]");
        if (labels.Shape.Count != 1)
            throw new InvalidDataException($"{labelsSource}: IDX labels must be [N], got [{string.Join(", ", labels.Shape)}]");
        if (labels.Shape[0] != s[0])
            throw new InvalidDataException($"{imagesSource} holds {s[0]} images but {labelsSource} holds {labels.Shape[0]} labels");
        Count = s[0];
        Height = s[1];
        Width = s[2];
        _model = s.Count == 4 && s[3] == 3 ? ColorModel.Rgb : ColorModel.Gray;
        _pixels = images.Data;
        _labels = labels.Data;
        _source = imagesSource;
        Transform = transform;
        NumClasses = _labels.Length == 0 ? 0 : _labels.Max() + 1;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>One more than the largest label.</summary>
    public int NumClasses { get; }

    /// <summary>The per-item pipeline, or null.</summary>
    public Compose? Transform { get; }

    /// <summary>The label of item <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[CheckIndex(index)];

    /// <summary>Item <paramref name="index"/> as an 8-bit image (a copy).</summary>
    public Image GetImage(int index)
    {
        CheckIndex(index);
        var size = Height * Width * (int)_model;
        return new Image(Width, Height, _model, _pixels.AsSpan(index * size, size).ToArray());
    }

    /// <inheritdoc/>
    public Sample Get(int index, Generator? generator)
    {
        var image = GetImage(index);
        var x = Transform is null ? s_plain.Apply(image) : Transform.Apply(image, generator);
        return new Sample(x.Data, x.Shape, _labels[index]);
    }

    /// <inheritdoc/>
    public string Describe(int index) => $"{_source}[{index}]";

    private static readonly ToTensorNormalize s_plain = new();

    private int CheckIndex(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} items");
}
