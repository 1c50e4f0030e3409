using System.Buffers.Binary;
using System.Text;

namespace TokenVision.IO.Tests.Weights.Support;

/// <summary>Builds raw safetensors bytes from a literal header, for tests that need headers the writer would never produce.</summary>
internal static class SafetensorsBytes
{
    public static byte[] Build(string headerJson, byte[] data, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var padding = pad ? (8 - header.Length % 8) % 8 : 0;
        var bytes = new byte[8 + header.Length + padding + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(header.Length + padding));
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padding).Fill((byte)' ');
        data.CopyTo(bytes, 8 + header.Length + padding);
        return bytes;
    }
}
