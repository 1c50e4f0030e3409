using System.Buffers.Binary;
using System.IO.Compression;

namespace TokenVision.Data.Datasets;

/// <summary>
/// Reads IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed (detected by the gzip signature): a big-endian header
/// <c>00 00 type ndim</c>, <c>ndim</c> big-endian uint32 sizes, then the elements. Only unsigned bytes (type 0x08) are
/// supported. Every error is an <see cref="InvalidDataException"/> whose message names the file.
/// </summary>
public static class IdxFile
{
    private static readonly Dictionary<byte, string> s_typeNames = new()
    {
        [0x08] = "uint8", [0x09] = "int8", [0x0B] = "int16", [0x0C] = "int32", [0x0D] = "float32", [0x0E] = "float64",
    };

    /// <summary>Reads the IDX file at <paramref name="path"/>.</summary>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream file;
        try
        {
            file = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{path}: cannot open IDX file: {e.Message}", e);
        }
        using (file)
            return Read(file, path);
    }

    /// <summary>Reads one IDX array from <paramref name="stream"/> (which must hold nothing else); <paramref name="sourceName"/> names it in errors.</summary>
    public static IdxArray Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var peek = new byte[2];
        var got = stream.ReadAtLeast(peek, 2, throwOnEndOfStream: false);
        Stream body = new PrefixedStream(peek.AsMemory(0, got), stream);
        var gzip = got == 2 && peek[0] == 0x1F && peek[1] == 0x8B;
        if (gzip)
            body = new GZipStream(body, CompressionMode.Decompress);
        try
        {
            return ReadBody(body, sourceName, gzip);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(sourceName, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{sourceName}: corrupt gzip data: {e.Message}", e);
        }
        finally
        {
            if (gzip)
                body.Dispose();
        }
    }

    private static IdxArray ReadBody(Stream s, string source, bool gzip)
    {
        var head = new byte[4];
        var n = s.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (n == 0)
            throw new InvalidDataException($"{source}: empty {(gzip ? "gzip stream" : "file")}, not an IDX file");
        if (n < 4)
            throw new InvalidDataException($"{source}: truncated IDX header ({n} of 4 bytes)");
        if (head[0] != 0 || head[1] != 0)
            throw new InvalidDataException($"{source}: not an IDX file (magic {head[0]:x2} {head[1]:x2} {head[2]:x2} {head[3]:x2}; expected 00 00 <type> <ndim>)");
        if (head[2] != 0x08)
        {
            var name = s_typeNames.TryGetValue(head[2], out var t) ? t : "unknown";
            throw new InvalidDataException($"{source}: unsupported IDX element type 0x{head[2]:x2} ({name}); only unsigned bytes (0x08) are supported");
        }
        var ndim = head[3];
        if (ndim == 0)
            throw new InvalidDataException($"{source}: IDX header declares 0 dimensions");
        var dimBytes = new byte[4 * ndim];
        n = s.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (n < dimBytes.Length)
            throw new InvalidDataException($"{source}: truncated IDX header: {ndim} dimensions need {dimBytes.Length} bytes, {n} present");
        var shape = new int[ndim];
        long count = 1;
        for (var i = 0; i < ndim; i++)
        {
            var d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (d > int.MaxValue)
                throw new InvalidDataException($"{source}: IDX dimension {i} is {d}, too large");
            shape[i] = (int)d;
            count *= d;
            if (count > Array.MaxLength)
                throw new InvalidDataException($"{source}: IDX shape [{string.Join(", ", shape.Take(i + 1))}...] is too large for one array");
        }
        var data = new byte[count];
        n = s.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (n < data.Length)
            throw new InvalidDataException($"{source}: truncated IDX data: shape [{string.Join(", ", shape)}] needs {data.Length} bytes, {n} present");
        var extra = 0L;
        var scratch = new byte[4096];
        int r;
        while ((r = s.Read(scratch)) > 0)
        {
            extra += r;
            if (extra > 1 << 20)
                break;
        }
        if (extra > 0)
            throw new InvalidDataException($"{source}: {(extra > 1 << 20 ? "more than 1 MiB" : extra.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes")} of data after the IDX array of shape [{string.Join(", ", shape)}]");
        return new IdxArray(shape, data);
    }

    /// <summary>A read-only stream that yields already-read bytes, then the rest of an inner stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.Length > 0)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
        }
    }
}
