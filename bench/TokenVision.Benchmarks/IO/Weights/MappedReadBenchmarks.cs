using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using TokenVision.IO.Weights;

namespace TokenVision.Benchmarks.IO.Weights;

/// <summary>
/// Why the weight readers map files with a pointer (the one unsafe file, MappedFile.cs): the safe
/// <see cref="MemoryMappedViewAccessor"/> API can only copy, while a span over the mapping costs nothing until touched.
/// Shapes are ViT-B/16's largest tensors (<c>mlp.fc1.weight</c> [3072, 768]) and a small bias.
/// </summary>
[MemoryDiagnoser]
public class MappedReadBenchmarks
{
    private string _path = "";
    private SafetensorsReader? _reader;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _accessor;
    private float[] _destination = [];

    /// <summary>Elements of the tensor read.</summary>
    [Params(768, 3072 * 768)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"tv-bench-{Guid.NewGuid():N}.safetensors");
        var writer = new SafetensorsWriter();
        writer.Add("w", Enumerable.Range(0, Elements).Select(i => i * 1e-3f).ToArray(), Elements);
        writer.Save(_path);
        _reader = SafetensorsReader.Open(_path);
        _map = MemoryMappedFile.CreateFromFile(_path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _accessor = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        _destination = new float[Elements];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reader?.Dispose();
        _accessor?.Dispose();
        _map?.Dispose();
        File.Delete(_path);
    }

    /// <summary>Safe API: copy out of the mapping with <see cref="UnmanagedMemoryAccessor.ReadArray{T}"/>.</summary>
    [Benchmark(Baseline = true)]
    public int AccessorCopy() => _accessor!.ReadArray(_reader!.GetFileOffset("w"), _destination, 0, Elements);

    /// <summary>Pointer-backed span over the mapping, copied into the same buffer.</summary>
    [Benchmark]
    public int SpanCopy()
    {
        MemoryMarshal.Cast<byte, float>(_reader!.GetBytes("w")).CopyTo(_destination);
        return Elements;
    }

    /// <summary>Zero-copy view, as an engine would use it: no bytes move.</summary>
    [Benchmark]
    public int ZeroCopyView() => _reader!.TryGetFloat32Memory("w", out var memory) ? memory.Length : 0;
}
