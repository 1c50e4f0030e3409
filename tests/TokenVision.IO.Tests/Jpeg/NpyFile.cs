using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>Minimal reader for the fixtures' .npy files: format v1.0, little-endian, C order, uint8.</summary>
internal sealed partial class NpyFile
{
    private NpyFile(int[] shape, byte[] data)
    {
        Shape = shape;
        Data = data;
    }

    public int[] Shape { get; }

    public byte[] Data { get; }

    public static NpyFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        if (bytes[6] != 1 || bytes[7] != 0)
            throw new InvalidDataException($"{path}: .npy version {bytes[6]}.{bytes[7]} (expected 1.0)");
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        var descr = DescrPattern().Match(header).Groups[1].Value;
        if (descr is not ("|u1" or "u1" or "<u1"))
            throw new InvalidDataException($"{path}: dtype {descr} (expected uint8)");
        if (!header.Contains("'fortran_order': False", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: Fortran order is not supported");
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .ToArray();
        var start = 10 + headerLength;
        var count = shape.Aggregate(1, (a, b) => a * b);
        if (bytes.Length - start != count)
            throw new InvalidDataException($"{path}: {bytes.Length - start} data bytes, shape needs {count}");
        return new NpyFile(shape, bytes[start..]);
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
