using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TokenVision.IO.Weights;

/// <summary>One member of a zip archive, located through the central directory.</summary>
/// <param name="Name">Member path inside the archive, e.g. <c>archive/data/0</c>.</param>
/// <param name="Method">Compression method: 0 stored, 8 deflate.</param>
/// <param name="Flags">General-purpose flags (bit 0: encrypted).</param>
/// <param name="CompressedSize">Bytes of member data in the file.</param>
/// <param name="UncompressedSize">Bytes after decompression.</param>
/// <param name="DataOffset">File offset of the member data (after its local header).</param>
internal sealed record ZipMember(string Name, int Method, int Flags, long CompressedSize, long UncompressedSize, long DataOffset)
{
    /// <summary>True when the data is stored uncompressed and unencrypted, so it can be used in place.</summary>
    public bool IsStored => Method == 0 && (Flags & 1) == 0;
}

/// <summary>
/// A minimal zip reader over a mapped file (what <c>torch.save</c> writes: stored members, 64-byte aligned data, data
/// descriptors, zip64 end records). Sizes come from the central directory, as local headers written with data descriptors
/// hold zeros. Every offset and size is checked against the file length, so a truncated archive is reported, not read past.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;

    /// <summary>Reads the central directory of <paramref name="file"/>; members are returned in directory order.</summary>
    public static List<ZipMember> Read(MappedFile file)
    {
        var path = file.Path;
        var length = file.Length;
        if (length < 22)
            throw Truncated(path, "too short for a zip end record");
        var searchStart = Math.Max(0, length - 22 - 0xFFFF);
        var tail = file.Span(searchStart, length - searchStart);
        var end = -1;
        for (var i = tail.Length - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail[i..]) == EndSignature && i + 22 + BinaryPrimitives.ReadUInt16LittleEndian(tail[(i + 20)..]) <= tail.Length)
            {
                end = i;
                break;
            }
        }
        if (end < 0)
            throw Truncated(path, "end-of-central-directory record not found (truncated archive?)");
        var endRecord = tail.Slice(end, 22);
        var endPosition = searchStart + end;
        long count = BinaryPrimitives.ReadUInt16LittleEndian(endRecord[10..]);
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(endRecord[12..]);
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(endRecord[16..]);

        if (endPosition >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(file.Span(endPosition - 20, 4)) == Zip64LocatorSignature)
        {
            var zip64Offset = BinaryPrimitives.ReadUInt64LittleEndian(file.Span(endPosition - 20 + 8, 8));
            if (zip64Offset > (ulong)(length - 56))
                throw Truncated(path, "zip64 end record lies beyond the file");
            var zip64 = file.Span((long)zip64Offset, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip64) != Zip64EndSignature)
                throw Invalid(path, "zip64 end record has a bad signature");
            count = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(zip64[32..]));
            directorySize = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(zip64[40..]));
            directoryOffset = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(zip64[48..]));
        }
        if (directoryOffset > length || directorySize > length - directoryOffset)
            throw Truncated(path, $"central directory [{directoryOffset}, +{directorySize}) lies beyond the {length}-byte file");
        if (count > directorySize / 46)
            throw Invalid(path, $"{count} members cannot fit in a {directorySize}-byte central directory");

        var members = new List<ZipMember>((int)count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var position = directoryOffset;
        for (long i = 0; i < count; i++)
        {
            if (directoryOffset + directorySize - position < 46)
                throw Invalid(path, "central directory ends inside a member record");
            var header = file.Span(position, 46);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != CentralSignature)
                throw Invalid(path, $"central directory record {i} has a bad signature");
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
            var recordLength = 46L + nameLength + extraLength + commentLength;
            if (recordLength > directoryOffset + directorySize - position)
                throw Invalid(path, "central directory ends inside a member record");
            var name = Encoding.UTF8.GetString(file.Span(position + 46, nameLength));
            var extra = file.Span(position + 46 + nameLength, extraLength);
            ApplyZip64(path, name, extra, ref uncompressed, ref compressed, ref localOffset);
            position += recordLength;

            if (localOffset > length - 30)
                throw Truncated(path, $"local header of '{name}' lies beyond the file");
            var local = file.Span(localOffset, 30);
            if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalSignature)
                throw Invalid(path, $"local header of '{name}' has a bad signature");
            var dataOffset = localOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
            if (dataOffset > length || compressed > length - dataOffset)
                throw Truncated(path, $"data of '{name}' ({compressed} bytes at {dataOffset}) extends beyond the {length}-byte file");
            if (!names.Add(name))
                throw Invalid(path, $"duplicate member '{name}'");
            members.Add(new ZipMember(name, method, flags, compressed, uncompressed, dataOffset));
        }
        return members;
    }

    /// <summary>Returns the member's uncompressed bytes as a new array (stored members are copied; deflated ones inflated with a bounded output).</summary>
    public static byte[] ReadAll(MappedFile file, ZipMember member)
    {
        if ((member.Flags & 1) != 0)
            throw Invalid(file.Path, $"member '{member.Name}' is encrypted");
        if (member.UncompressedSize > Array.MaxLength)
            throw Invalid(file.Path, $"member '{member.Name}' is too large to read into memory ({member.UncompressedSize} bytes)");
        switch (member.Method)
        {
            case 0:
                if (member.CompressedSize != member.UncompressedSize)
                    throw Invalid(file.Path, $"stored member '{member.Name}' has different compressed and uncompressed sizes");
                return file.Span(member.DataOffset, member.CompressedSize).ToArray();
            case 8:
                // Deflate cannot expand by more than about 1032:1; a larger claim is a bomb or a corrupt header.
                if (member.UncompressedSize > 1032 * member.CompressedSize + 1024)
                    throw Invalid(file.Path, $"member '{member.Name}' claims {member.UncompressedSize} bytes from {member.CompressedSize} compressed");
                var output = new byte[member.UncompressedSize];
                var compressed = file.Span(member.DataOffset, member.CompressedSize).ToArray();
                try
                {
                    using var inflater = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
                    var read = 0;
                    while (read < output.Length)
                    {
                        var n = inflater.Read(output, read, output.Length - read);
                        if (n == 0)
                            break;
                        read += n;
                    }
                    if (read != output.Length || inflater.ReadByte() >= 0)
                        throw Invalid(file.Path, $"member '{member.Name}' inflates to a size other than the {member.UncompressedSize} bytes declared");
                }
                catch (InvalidDataException e)
                {
                    throw new WeightFormatException(file.Path, null, $"member '{member.Name}' is not valid deflate data", e);
                }
                return output;
            default:
                throw Invalid(file.Path, $"member '{member.Name}' uses unsupported compression method {member.Method}");
        }
    }

    private static void ApplyZip64(string path, string name, ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long offset)
    {
        if (uncompressed != 0xFFFFFFFF && compressed != 0xFFFFFFFF && offset != 0xFFFFFFFF)
            return;
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4)
                break;
            var field = extra.Slice(4, size);
            if (id == 1)
            {
                // Only the fields whose 32-bit value is saturated are present, in this order.
                if (uncompressed == 0xFFFFFFFF)
                    uncompressed = Next(path, name, ref field);
                if (compressed == 0xFFFFFFFF)
                    compressed = Next(path, name, ref field);
                if (offset == 0xFFFFFFFF)
                    offset = Next(path, name, ref field);
                return;
            }
            extra = extra[(4 + size)..];
        }
        throw Invalid(path, $"member '{name}' needs a zip64 extra field but has none");
    }

    private static long Next(string path, string name, ref ReadOnlySpan<byte> field)
    {
        if (field.Length < 8)
            throw Invalid(path, $"zip64 extra field of '{name}' is too short");
        var value = CheckedLong(path, BinaryPrimitives.ReadUInt64LittleEndian(field));
        field = field[8..];
        return value;
    }

    private static long CheckedLong(string path, ulong value) =>
        value <= long.MaxValue ? (long)value : throw Invalid(path, $"zip64 value {value} out of range");

    private static WeightFormatException Truncated(string path, string what) => new(path, null, $"not a readable zip archive: {what}");

    private static WeightFormatException Invalid(string path, string what) => new(path, null, $"invalid zip archive: {what}");
}
