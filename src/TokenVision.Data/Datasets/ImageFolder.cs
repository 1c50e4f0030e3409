using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.Tensors;

namespace TokenVision.Data.Datasets;

/// <summary>
/// torchvision's <c>ImageFolder</c>: one subfolder per class under <see cref="Root"/>, classes sorted by name (ordinal),
/// class index = position; each class's image files (by extension, case-insensitive) found recursively, ordered by
/// folder path then file name (ordinal). Images are decoded with <see cref="ImageDecoder"/> and converted to RGB as PIL's
/// <c>convert('RGB')</c>.
/// </summary>
public sealed class ImageFolder : IDataset
{
    /// <summary>torchvision's <c>IMG_EXTENSIONS</c>.</summary>
    public static IReadOnlyList<string> DefaultExtensions { get; } = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    private readonly (string Path, int Label)[] _samples;
    private readonly string[] _classes;

    /// <summary>Scans <paramref name="root"/>.</summary>
    /// <param name="root">The folder holding one subfolder per class.</param>
    /// <param name="transform">Pipeline for each image, or null for a plain to-tensor (<c>v / 255</c>).</param>
    /// <param name="extensions">File extensions accepted (with the dot), default <see cref="DefaultExtensions"/>.</param>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="FileNotFoundException">There is no class folder, or a class folder holds no image file.</exception>
    public ImageFolder(string root, Compose? transform = null, IReadOnlyList<string>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"{root}: image folder not found");
        Root = root;
        Transform = transform;
        var exts = (extensions ?? DefaultExtensions).Select(e => e.ToLowerInvariant()).ToArray();
        _classes = [.. Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        if (_classes.Length == 0)
            throw new FileNotFoundException($"{root}: no class folders found (expected one subfolder per class)");
        var samples = new List<(string, int)>();
        var empty = new List<string>();
        for (var label = 0; label < _classes.Length; label++)
        {
            var classDir = Path.Combine(root, _classes[label]);
            var before = samples.Count;
            foreach (var dir in WalkSorted(classDir))
            {
                var files = Directory.EnumerateFiles(dir)
                    .Where(f => exts.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                    .Order(StringComparer.Ordinal);
                foreach (var f in files)
                    samples.Add((f, label));
            }
            if (samples.Count == before)
                empty.Add(_classes[label]);
        }
        if (empty.Count > 0)
            throw new FileNotFoundException($"{root}: found no valid file for the classes {string.Join(", ", empty)}; supported extensions are {string.Join(", ", exts)}");
        _samples = [.. samples];
        ClassToIndex = _classes.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i, StringComparer.Ordinal);
    }

    /// <summary>The folder scanned.</summary>
    public string Root { get; }

    /// <summary>Class names (folder names) in index order.</summary>
    public IReadOnlyList<string> Classes => _classes;

    /// <summary>Class name to index.</summary>
    public IReadOnlyDictionary<string, int> ClassToIndex { get; }

    /// <summary>Every (file, label), in dataset order.</summary>
    public IReadOnlyList<(string Path, int Label)> Samples => _samples;

    /// <summary>The per-item pipeline, or null.</summary>
    public Compose? Transform { get; }

    /// <inheritdoc/>
    public int Count => _samples.Length;

    /// <summary>Decodes item <paramref name="index"/> as 8-bit RGB; decoding errors name the file.</summary>
    public Image LoadImage(int index)
    {
        if ((uint)index >= (uint)_samples.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {_samples.Length} items");
        return ImageDecoder.Decode(_samples[index].Path).ToRgb();
    }

    /// <inheritdoc/>
    public Sample Get(int index, Generator? generator)
    {
        var image = LoadImage(index);
        var path = _samples[index].Path;
        try
        {
            var x = Transform is null ? s_plain.Apply(image) : Transform.Apply(image, generator);
            return new Sample(x.Data, x.Shape, _samples[index].Label);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new DataLoadException(path, index, $"transform failed: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public string Describe(int index) => (uint)index < (uint)_samples.Length ? _samples[index].Path : $"{Root}[{index}]";

    private static readonly ToTensorNormalize s_plain = new();

    /// <summary>The folder and all folders below it (following links once), ordered by full path as Python sorts <c>os.walk</c> output.</summary>
    private static List<string> WalkSorted(string top)
    {
        var all = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(top);
        while (stack.Count > 0)
        {
            var dir = stack.Pop();
            var real = new DirectoryInfo(dir).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(dir);
            if (!seen.Add(real))
                continue;
            all.Add(dir);
            foreach (var sub in Directory.EnumerateDirectories(dir))
                stack.Push(sub);
        }
        all.Sort(StringComparer.Ordinal);
        return all;
    }
}
