namespace TokenVision.IO.Npy;

/// <summary>
/// Reads and writes numpy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0; C order; the dtypes of <see cref="NpyDType"/>).
/// Big-endian files are converted to little-endian on read; Fortran-order files are refused.
/// </summary>
public static class NpyFile
{
    /// <summary>Reads the array stored at <paramref name="path"/>.</summary>
    /// <exception cref="NpyFormatException">The file is not a valid or supported .npy file; the message names the path.</exception>
    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads one array from <paramref name="data"/>, which must hold exactly one .npy file.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="NpyFormatException">The data is not a valid or supported .npy file, or has bytes left over.</exception>
    public static NpyArray Read(ReadOnlySpan<byte> data, string sourceName = "<bytes>")
    {
        if (data.Length < NpyHeader.PrefixLength(1))
            throw new NpyFormatException(sourceName, data.Length == 0 ? "empty input" : "truncated before the end of the header");
        var (major, headerLength) = NpyHeader.ReadPrefix(data, sourceName);
        var prefix = NpyHeader.PrefixLength(major);
        if (data.Length - prefix < headerLength)
            throw new NpyFormatException(sourceName, $"truncated header: {headerLength} bytes announced, {data.Length - prefix} present");
        var header = NpyHeader.Parse(data.Slice(prefix, (int)headerLength), major, sourceName);
        var body = data[(prefix + (int)headerLength)..];
        var expected = DataLength(header, sourceName);
        if (body.Length != expected)
            throw new NpyFormatException(sourceName, body.Length < expected
                ? $"truncated data: shape ({string.Join(", ", header.Shape)}) of {header.DType} needs {expected} bytes, {body.Length} present"
                : $"data length mismatch: shape ({string.Join(", ", header.Shape)}) of {header.DType} needs {expected} bytes, {body.Length} present");
        return Build(header, body.ToArray());
    }

    /// <summary>Reads one array from <paramref name="stream"/>, consuming exactly its bytes (several arrays may follow each other).</summary>
    /// <param name="stream">Readable stream positioned at the magic.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="NpyFormatException">The stream does not hold a valid or supported .npy array, or ends early.</exception>
    public static NpyArray Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[12];
        ReadFully(stream, prefix[..10], sourceName, "header");
        var major = prefix[6];
        if (major is 2 or 3)
            ReadFully(stream, prefix[10..12], sourceName, "header");
        var (version, headerLength) = NpyHeader.ReadPrefix(prefix, sourceName);
        if (stream.CanSeek && stream.Length - stream.Position < headerLength)
            throw new NpyFormatException(sourceName, "truncated header");
        if (headerLength > Array.MaxLength)
            throw new NpyFormatException(sourceName, $"header length {headerLength} is implausible");
        var headerBytes = new byte[headerLength];
        ReadFully(stream, headerBytes, sourceName, "header");
        var header = NpyHeader.Parse(headerBytes, version, sourceName);
        var expected = DataLength(header, sourceName);
        if (stream.CanSeek && stream.Length - stream.Position < expected)
            throw new NpyFormatException(sourceName, $"truncated data: shape ({string.Join(", ", header.Shape)}) of {header.DType} needs {expected} bytes, {stream.Length - stream.Position} present");
        var data = new byte[expected];
        ReadFully(stream, data, sourceName, "data");
        return Build(header, data);
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> atomically: a temporary file in the same folder is written, then moved over the target.</summary>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, stream => Write(stream, array));
    }

    /// <summary>Writes <paramref name="array"/> as a .npy file (version 1.0 unless the header needs 2.0) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        stream.Write(NpyHeader.Format(array));
        stream.Write(array.Data);
    }

    /// <summary>The whole .npy file for <paramref name="array"/> as bytes.</summary>
    public static byte[] ToBytes(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var header = NpyHeader.Format(array);
        var bytes = new byte[header.Length + array.Data.Length];
        header.CopyTo(bytes, 0);
        array.Data.CopyTo(bytes, header.Length);
        return bytes;
    }

    private static int DataLength(NpyHeader header, string source)
    {
        var bytes = NpyArray.ElementCount(header.Shape)!.Value * NpyArray.ElementSize(header.DType);
        if (bytes > Array.MaxLength)
            throw new NpyFormatException(source, $"shape ({string.Join(", ", header.Shape)}) of {header.DType} is too large for one array");
        return (int)bytes;
    }

    private static NpyArray Build(NpyHeader header, byte[] data)
    {
        if (header.BigEndian)
            NpyArray.ReverseElementBytes(data, NpyArray.ElementSize(header.DType));
        return new NpyArray(header.DType, header.Shape, data);
    }

    private static void ReadFully(Stream stream, Span<byte> buffer, string source, string part)
    {
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new NpyFormatException(source, read == 0 && part == "header" && buffer.Length == 10 ? "empty input" : $"truncated {part}: {buffer.Length} bytes expected, {read} present");
    }
}
