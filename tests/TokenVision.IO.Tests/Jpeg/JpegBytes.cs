using System.Buffers.Binary;

namespace TokenVision.IO.Tests.Jpeg;

/// <summary>Byte-level helpers that derive test inputs from JPEG fixtures.</summary>
internal static class JpegBytes
{
    /// <summary>Offsets of every 0xFF byte followed by one of <paramref name="markers"/> (segment starts, in practice).</summary>
    public static List<int> FindMarkers(byte[] data, params byte[] markers)
    {
        var list = new List<int>();
        for (var i = 2; i + 3 < data.Length; i++)
        {
            if (data[i] == 0xFF && Array.IndexOf(markers, data[i + 1]) >= 0)
                list.Add(i);
        }
        return list;
    }

    /// <summary>Offsets and lengths of the marker segments from SOI up to and including the first SOS.</summary>
    public static List<(int Offset, int Length, byte Marker)> Segments(byte[] data)
    {
        var list = new List<(int, int, byte)>();
        var pos = 2;
        while (pos + 4 <= data.Length && data[pos] == 0xFF)
        {
            var marker = data[pos + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(pos + 2));
            list.Add((pos, length, marker));
            pos += 2 + length;
            if (marker == 0xDA)
                break;
        }
        return list;
    }

    /// <summary>Offset of the first segment with <paramref name="marker"/> before the first scan's data.</summary>
    public static int FindSegment(byte[] data, byte marker) =>
        Segments(data).Find(s => s.Marker == marker) is { Length: > 0 } segment
            ? segment.Offset
            : throw new InvalidOperationException($"no 0xFF{marker:X2} segment");

    /// <summary>A marker segment: 0xFF, the marker, the big-endian length, the payload.</summary>
    public static byte[] Segment(byte marker, ReadOnlySpan<byte> payload)
    {
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment.AsSpan(4));
        return segment;
    }

    /// <summary>Returns <paramref name="data"/> with the whole segment at <paramref name="offset"/> removed.</summary>
    public static byte[] RemoveSegment(byte[] data, int offset)
    {
        var length = 2 + BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset + 2));
        return [.. data[..offset], .. data[(offset + length)..]];
    }

    /// <summary>Returns <paramref name="data"/> with <paramref name="insert"/> placed at <paramref name="offset"/>.</summary>
    public static byte[] Insert(byte[] data, int offset, ReadOnlySpan<byte> insert) => [.. data[..offset], .. insert, .. data[offset..]];
}
