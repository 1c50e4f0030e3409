using TokenVision.Data.Datasets;
using TokenVision.Data.Loading;
using TokenVision.Data.Transforms;
using TokenVision.IO.Imaging;
using TokenVision.IO.Png;
using Xunit;

namespace TokenVision.Data.Tests.Datasets;

public sealed class ImageFolderTests
{
    private static void Png(TempDir dir, string relative, byte value, ColorModel model = ColorModel.Rgb, int size = 4) =>
        PngEncoder.Save(new Image(size, size, model, Enumerable.Repeat(value, size * size * (int)model).ToArray()), dir.File(relative));

    [Fact]
    public void Scan_OrdersClassesAndFilesOrdinally()
    {
        using var dir = new TempDir();
        Png(dir, "b/2.png", 1);
        Png(dir, "b/10.png", 2);
        Png(dir, "B/x.PNG", 3);
        Png(dir, "a/sub/z.png", 4);
        Png(dir, "a/sub-2/y.png", 5);
        Png(dir, "a/c.png", 6);
        Png(dir, "a/sub/x/w.png", 7);
        File.WriteAllText(dir.File("a/notes.txt"), "not an image");
        File.WriteAllText(dir.File("stray.png"), "files beside the class folders are ignored");

        var ds = new ImageFolder(dir.Path);

        Assert.Equal(["B", "a", "b"], ds.Classes);
        var rel = ds.Samples.Select(s => (Path.GetRelativePath(dir.Path, s.Path), s.Label)).ToArray();
        Assert.Equal(
        [
            ("B/x.PNG", 0),
            // Folders sort by full path as Python sorts os.walk: "a/sub" < "a/sub-2" < "a/sub/x" ('-' < '/').
            ("a/c.png", 1), ("a/sub/z.png", 1), ("a/sub-2/y.png", 1), ("a/sub/x/w.png", 1),
            ("b/10.png", 2), ("b/2.png", 2),
        ], rel);
        Assert.Equal(2, ds.ClassToIndex["b"]);
    }

    [Fact]
    public void Get_DecodesToRgbAndTransforms()
    {
        using var dir = new TempDir();
        Png(dir, "cat/gray.png", 51, ColorModel.Gray, size: 10);
        var transform = new Compose([new Resize(8, 6)], new ToTensorNormalize());

        var ds = new ImageFolder(dir.Path, transform);
        var s = ds.Get(0, null);

        Assert.Equal([3, 8, 6], s.Shape);
        Assert.All(s.Values, v => Assert.Equal(51f / 255f, v));
        Assert.Equal(0, s.Label);
    }

    [Fact]
    public void Scan_EmptyClass_NamesIt()
    {
        using var dir = new TempDir();
        Png(dir, "full/a.png", 1);
        Directory.CreateDirectory(Path.Combine(dir.Path, "empty"));

        var e = Assert.Throws<FileNotFoundException>(() => new ImageFolder(dir.Path));

        Assert.Contains("classes empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_NoClassFolders_Or_MissingRoot_Explains()
    {
        using var dir = new TempDir();
        Assert.Contains("no class folders", Assert.Throws<FileNotFoundException>(() => new ImageFolder(dir.Path)).Message, StringComparison.Ordinal);
        Assert.Contains("not found", Assert.Throws<DirectoryNotFoundException>(() => new ImageFolder(dir.Path + "/nope")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadFile_ErrorNamesTheFile_DirectlyAndThroughTheLoader()
    {
        using var dir = new TempDir();
        for (var i = 0; i < 6; i++)
            Png(dir, $"c/{i}.png", (byte)i);
        var bad = dir.File("c/3b.png");
        File.WriteAllText(bad, "this is not a PNG");
        var ds = new ImageFolder(dir.Path);
        var badIndex = ds.Samples.ToList().FindIndex(s => s.Path == bad);

        var direct = Assert.Throws<ImageDecodeException>(() => ds.Get(badIndex, null));
        Assert.StartsWith(bad, direct.Message, StringComparison.Ordinal);

        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 2, NumWorkers = 2 });
        var seen = 0;
        var e = Assert.Throws<DataLoadException>(() =>
        {
            foreach (var b in loader.Epoch(0))
                using (b)
                    seen += b.Count;
        });
        Assert.StartsWith(bad + ":", e.Message, StringComparison.Ordinal);
        Assert.Equal(badIndex, e.Index);
        Assert.Equal(badIndex / 2 * 2, seen);
    }
}
