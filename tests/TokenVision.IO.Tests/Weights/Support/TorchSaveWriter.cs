using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using TokenVision.IO.Weights;

namespace TokenVision.IO.Tests.Weights.Support;

/// <summary>
/// Test-side writer of PyTorch checkpoints, so tests need no Python. It mirrors what torch 1.13.1's <c>torch.save</c>
/// emits (checked against real files with <c>pickletools.dis</c> and <c>zipfile</c>):
/// <list type="bullet">
/// <item>pickle protocol 2; every str, tuple, dict and global is memoised with BINPUT and repeats use BINGET;
/// dicts are <c>EMPTY_DICT, MARK, k, v, ..., SETITEMS</c>; an OrderedDict is <c>GLOBAL collections OrderedDict,
/// EMPTY_TUPLE, REDUCE</c>, its items, then <c>{'_metadata': OrderedDict}</c> and BUILD;</item>
/// <item>a tensor is <c>_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())</c> with the
/// storage as BINPERSID of <c>('storage', torch.FloatStorage, key, 'cpu', numel)</c>; a parameter wraps that in
/// <c>_rebuild_parameter(tensor, requires_grad, OrderedDict())</c>;</item>
/// <item>the zip (PyTorchStreamWriter): members <c>&lt;archive&gt;/data.pkl</c>, <c>&lt;archive&gt;/data/&lt;key&gt;</c> in sorted key
/// order, then <c>&lt;archive&gt;/version</c> = "3\n"; local headers with flags 0x0808 and zero sizes, an "FB" extra field
/// padding each member's data to 64 bytes, a data descriptor after the data, central directory, zip64 end record and
/// locator, end record. <c>torch2Records</c> adds the <c>byteorder</c> and <c>.data/serialization_id</c> records torch ≥ 2.1 writes;</item>
/// <item>the legacy stream (<c>_use_new_zipfile_serialization=False</c>): pickles of the magic number, protocol version
/// 1001 and sys_info, the object pickle with 6-tuple persistent ids (view metadata None), the sorted key list, then per
/// storage an int64 element count and its bytes.</item>
/// </list>
/// </summary>
internal static class TorchSaveWriter
{
    private static readonly BigInteger s_magic = BigInteger.Parse("01950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    public static string StorageClass(WeightDType dtype) => dtype switch
    {
        WeightDType.F32 => "FloatStorage",
        WeightDType.F16 => "HalfStorage",
        WeightDType.BF16 => "BFloat16Storage",
        WeightDType.F64 => "DoubleStorage",
        WeightDType.I64 => "LongStorage",
        WeightDType.I32 => "IntStorage",
        WeightDType.I16 => "ShortStorage",
        WeightDType.I8 => "CharStorage",
        WeightDType.U8 => "ByteStorage",
        WeightDType.Bool => "BoolStorage",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Pickles <paramref name="root"/>; returns the pickle and the storages it references in first-use order.</summary>
    public static (byte[] Pickle, List<TestStorage> Storages) Pickle(object? root, bool legacy = false)
    {
        var p = new PickleBuilder().Proto(2);
        var storages = new List<TestStorage>();
        var memo = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        Save(p, root, storages, memo, legacy);
        p.Stop();
        return (p.ToArray(), storages);
    }

    public static byte[] Zip(object? root, string archive = "archive", bool torch2Records = false)
    {
        var (pickle, storages) = Pickle(root);
        var records = new List<(string, byte[])> { ("data.pkl", pickle) };
        if (torch2Records)
            records.Add(("byteorder", "little"u8.ToArray()));
        foreach (var s in storages.OrderBy(static s => s.Key, StringComparer.Ordinal))
            records.Add(("data/" + s.Key, s.Data));
        records.Add(("version", "3\n"u8.ToArray()));
        if (torch2Records)
            records.Add((".data/serialization_id", "1234567890123456789012345678901234567890"u8.ToArray()));
        return ZipRecords(archive, records);
    }

    /// <summary>The PyTorchStreamWriter zip layout for arbitrary records (names are prefixed with <paramref name="archive"/>/).</summary>
    public static byte[] ZipRecords(string archive, IEnumerable<(string Name, byte[] Data)> records)
    {
        using var output = new MemoryStream();
        var central = new List<(byte[] Name, uint Crc, long Size, long Offset)>();
        foreach (var (name, data) in records)
        {
            var fullName = Encoding.UTF8.GetBytes(archive + "/" + name);
            var offset = output.Position;
            var padding = (int)((64 - (offset + 30 + fullName.Length + 4) % 64) % 64);
            var crc = Crc32.Compute(data);
            WriteU32(output, 0x04034b50);
            WriteU16(output, 0);
            WriteU16(output, 0x0808);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU32(output, 0);
            WriteU32(output, 0);
            WriteU32(output, 0);
            WriteU16(output, (ushort)fullName.Length);
            WriteU16(output, (ushort)(4 + padding));
            output.Write(fullName);
            output.Write("FB"u8);
            WriteU16(output, (ushort)padding);
            for (var i = 0; i < padding; i++)
                output.WriteByte((byte)'Z');
            output.Write(data);
            WriteU32(output, 0x08074b50);
            WriteU32(output, crc);
            WriteU32(output, (uint)data.Length);
            WriteU32(output, (uint)data.Length);
            central.Add((fullName, crc, data.Length, offset));
        }
        var directoryOffset = output.Position;
        foreach (var (name, crc, size, offset) in central)
        {
            WriteU32(output, 0x02014b50);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU16(output, 0x0808);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU32(output, crc);
            WriteU32(output, (uint)size);
            WriteU32(output, (uint)size);
            WriteU16(output, (ushort)name.Length);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU16(output, 0);
            WriteU32(output, 0);
            WriteU32(output, (uint)offset);
            output.Write(name);
        }
        var directorySize = output.Position - directoryOffset;
        var zip64End = output.Position;
        WriteU32(output, 0x06064b50);
        WriteU64(output, 44);
        WriteU16(output, 0x031e);
        WriteU16(output, 0x2d);
        WriteU32(output, 0);
        WriteU32(output, 0);
        WriteU64(output, (ulong)central.Count);
        WriteU64(output, (ulong)central.Count);
        WriteU64(output, (ulong)directorySize);
        WriteU64(output, (ulong)directoryOffset);
        WriteU32(output, 0x07064b50);
        WriteU32(output, 0);
        WriteU64(output, (ulong)zip64End);
        WriteU32(output, 1);
        WriteU32(output, 0x06054b50);
        WriteU16(output, 0);
        WriteU16(output, 0);
        WriteU16(output, (ushort)central.Count);
        WriteU16(output, (ushort)central.Count);
        WriteU32(output, (uint)directorySize);
        WriteU32(output, (uint)directoryOffset);
        WriteU16(output, 0);
        return output.ToArray();
    }

    public static byte[] Legacy(object? root)
    {
        using var output = new MemoryStream();
        output.Write(new PickleBuilder().Proto(2).Op(0x8a).Raw([10]).Raw(s_magic.ToByteArray(isUnsigned: true, isBigEndian: false).AsSpan(0, 10)).Stop().ToArray());
        output.Write(new PickleBuilder().Proto(2).Int(1001).Stop().ToArray());
        var sysInfo = new PickleBuilder().Proto(2).EmptyDict().Memoize().Mark()
            .String("protocol_version").Int(1001).String("little_endian").Bool(true)
            .String("type_sizes").EmptyDict().Memoize().Mark().String("short").Int(2).String("int").Int(4).String("long").Int(4).SetItems()
            .SetItems().Stop();
        output.Write(sysInfo.ToArray());
        var (pickle, storages) = Pickle(root, legacy: true);
        output.Write(pickle);
        var keys = storages.Select(static s => s.Key).Order(StringComparer.Ordinal).ToList();
        var list = new PickleBuilder().Proto(2).EmptyList().Memoize().Mark();
        foreach (var key in keys)
            list.String(key);
        output.Write(list.Appends().Stop().ToArray());
        foreach (var key in keys)
        {
            var storage = storages.First(s => s.Key == key);
            WriteU64(output, (ulong)storage.ElementCount);
            output.Write(storage.Data);
        }
        return output.ToArray();
    }

    private static void Save(PickleBuilder p, object? value, List<TestStorage> storages, Dictionary<object, int> memo, bool legacy)
    {
        if (value is not null and not string and not ValueType && memo.TryGetValue(value, out var index))
        {
            p.Get(index);
            return;
        }
        switch (value)
        {
            case null: p.None(); break;
            case bool b: p.Bool(b); break;
            case int i: p.Int(i); break;
            case long l: p.Int(l); break;
            case double d: p.Float(d); break;
            case string s: p.String(s); break;
            case TestTensor t:
                if (t.Parameter)
                    p.Global("torch._utils", "_rebuild_parameter");
                SaveTensor(p, t, storages, legacy);
                if (t.Parameter)
                {
                    p.Memoize().Bool(t.RequiresGrad);
                    EmptyOrderedDict(p);
                    p.Tuple(3).Memoize().Reduce();
                }
                memo[t] = p.Put();
                break;
            case TestDict dict:
                if (dict.Ordered)
                    p.Global("collections", "OrderedDict").EmptyTuple().Reduce();
                else
                    p.EmptyDict();
                memo[dict] = p.Put();
                if (dict.Count > 0)
                {
                    if (dict.Count > 1)
                        p.Mark();
                    foreach (var (k, v) in dict)
                    {
                        Save(p, k, storages, memo, legacy);
                        Save(p, v, storages, memo, legacy);
                    }
                    if (dict.Count > 1)
                        p.SetItems();
                    else
                        p.SetItem();
                }
                if (dict.Metadata is { } metadata)
                {
                    p.EmptyDict().Memoize().String("_metadata");
                    p.Global("collections", "OrderedDict").EmptyTuple().Reduce().Memoize();
                    foreach (var (module, version) in metadata)
                        p.String(module).EmptyDict().Memoize().String("version").Int(version).SetItem().SetItem();
                    p.SetItem().Build();
                }
                break;
            case List<object?> list:
                p.EmptyList();
                memo[list] = p.Put();
                if (list.Count > 0)
                {
                    p.Mark();
                    foreach (var item in list)
                        Save(p, item, storages, memo, legacy);
                    p.Appends();
                }
                break;
            default:
                throw new ArgumentException($"cannot pickle {value.GetType()}");
        }
    }

    private static void SaveTensor(PickleBuilder p, TestTensor t, List<TestStorage> storages, bool legacy)
    {
        p.Global("torch._utils", "_rebuild_tensor_v2").Mark();
        p.Mark().String("storage").Global("torch", StorageClass(t.Storage.DType)).String(t.Storage.Key).String(t.Storage.Location).Int(t.Storage.ElementCount);
        if (legacy)
            p.None();
        p.Tuple().Memoize().BinPersId();
        if (!storages.Contains(t.Storage))
            storages.Add(t.Storage);
        p.Int(t.Offset);
        SaveInts(p, t.Shape);
        SaveInts(p, t.Strides);
        p.Bool(t.RequiresGrad && !t.Parameter);
        EmptyOrderedDict(p);
        p.Tuple().Memoize().Reduce();
    }

    private static void EmptyOrderedDict(PickleBuilder p) => p.Global("collections", "OrderedDict").EmptyTuple().Reduce().Memoize();

    private static void SaveInts(PickleBuilder p, long[] values)
    {
        if (values.Length == 0)
        {
            p.EmptyTuple();
            return;
        }
        if (values.Length > 3)
            p.Mark();
        foreach (var v in values)
            p.Int(v);
        if (values.Length > 3)
            p.Tuple();
        else
            p.Tuple(values.Length);
        p.Memoize();
    }

    private static void WriteU16(Stream s, ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteU32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void WriteU64(Stream s, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        s.Write(b);
    }
}

/// <summary>CRC-32 (IEEE) for the zip records the test writer emits.</summary>
internal static class Crc32
{
    private static readonly uint[] s_table = Enumerable.Range(0, 256).Select(static n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
            crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
