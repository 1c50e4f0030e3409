using System.Buffers.Binary;
using System.Text;

namespace TokenVision.IO.Tests.Weights.Support;

/// <summary>Emits pickle opcodes one by one (test-side), so tests can build both well-formed and deliberately broken pickles.</summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _out = new();
    private readonly Dictionary<string, int> _stringMemo = [];
    private readonly Dictionary<string, int> _globalMemo = [];
    private int _nextMemo;

    public byte[] ToArray() => _out.ToArray();

    public PickleBuilder Op(byte opcode)
    {
        _out.WriteByte(opcode);
        return this;
    }

    public PickleBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public PickleBuilder Proto(byte protocol = 2) => Op(0x80).Raw([protocol]);

    public PickleBuilder Stop() => Op((byte)'.');

    public PickleBuilder Mark() => Op((byte)'(');

    public PickleBuilder EmptyDict() => Op((byte)'}');

    public PickleBuilder EmptyTuple() => Op((byte)')');

    public PickleBuilder EmptyList() => Op((byte)']');

    public PickleBuilder Tuple() => Op((byte)'t');

    public PickleBuilder Tuple(int n) => Op(n switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => throw new ArgumentOutOfRangeException(nameof(n)) });

    public PickleBuilder SetItem() => Op((byte)'s');

    public PickleBuilder SetItems() => Op((byte)'u');

    public PickleBuilder Appends() => Op((byte)'e');

    public PickleBuilder Reduce() => Op((byte)'R');

    public PickleBuilder Build() => Op((byte)'b');

    public PickleBuilder BinPersId() => Op((byte)'Q');

    public PickleBuilder None() => Op((byte)'N');

    public PickleBuilder Bool(bool value) => Op(value ? (byte)0x88 : (byte)0x89);

    /// <summary>BININT1 / BININT2 / BININT / LONG1 as CPython chooses for the value.</summary>
    public PickleBuilder Int(long value)
    {
        if (value is >= 0 and <= 0xFF)
            return Op((byte)'K').Raw([(byte)value]);
        if (value is >= 0 and <= 0xFFFF)
        {
            Op((byte)'M');
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            return Raw(b);
        }
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            Op((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)value);
            return Raw(b);
        }
        Op(0x8a).Raw([8]);
        Span<byte> l = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, value);
        return Raw(l);
    }

    public PickleBuilder Float(double value)
    {
        Op((byte)'G');
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        return Raw(b);
    }

    /// <summary>BINUNICODE followed by BINPUT; a repeated string is fetched with BINGET, as the pickler's memo does.</summary>
    public PickleBuilder String(string value, bool memoize = true)
    {
        if (memoize && _stringMemo.TryGetValue(value, out var index))
            return Get(index);
        var bytes = Encoding.UTF8.GetBytes(value);
        Op((byte)'X');
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        Raw(length).Raw(bytes);
        if (memoize)
            _stringMemo[value] = Put();
        return this;
    }

    /// <summary>GLOBAL 'module name' followed by BINPUT; repeats use BINGET.</summary>
    public PickleBuilder Global(string module, string name)
    {
        var key = module + "\n" + name;
        if (_globalMemo.TryGetValue(key, out var index))
            return Get(index);
        Op((byte)'c').Raw(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
        _globalMemo[key] = Put();
        return this;
    }

    /// <summary>BINPUT (LONG_BINPUT past 255) of the top of the stack; returns the memo index.</summary>
    public int Put()
    {
        var index = _nextMemo++;
        if (index < 256)
        {
            Op((byte)'q').Raw([(byte)index]);
        }
        else
        {
            Op((byte)'r');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)index);
            Raw(b);
        }
        return index;
    }

    public PickleBuilder Memoize()
    {
        Put();
        return this;
    }

    public PickleBuilder Get(int index)
    {
        if (index < 256)
            return Op((byte)'h').Raw([(byte)index]);
        Op((byte)'j');
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)index);
        return Raw(b);
    }
}
