using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace TokenVision.IO.Weights;

/// <summary>
/// A restricted pickle virtual machine (protocols 0–5) that builds plain data only: dicts, lists, tuples, scalars,
/// strings, bytes and tensor descriptions. Globals are resolved against <see cref="PickleGlobal"/>'s allow-list the
/// moment they are read and refused otherwise; REDUCE, NEWOBJ and BUILD are interpreted for those globals only.
/// Nothing from the file is executed or reflected into .NET types.
/// </summary>
/// <remarks>
/// Allocation is bounded by a budget of 64 units (about bytes) per pickle byte, between 64 MiB and 4 GiB (so a small file cannot expand into gigabytes
/// through memo references), text integers are limited to 4300 digits as in CPython, and every length is checked
/// against the bytes that remain.
/// </remarks>
internal sealed class PickleMachine
{
    private const int MaxTextDigits = 4300;
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _file;
    private readonly string _where;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private long _budget;
    private int _opPosition;

    /// <summary>Creates a machine for one pickle.</summary>
    /// <param name="file">File named in errors.</param>
    /// <param name="where">Part of the file named in errors, e.g. <c>archive/data.pkl</c>.</param>
    /// <param name="persistentLoad">Resolves a BINPERSID id into a value; null refuses persistent ids.</param>
    /// <param name="pickleLength">Length of the pickle, which sets the allocation budget.</param>
    public PickleMachine(string file, string where, Func<object?, object?>? persistentLoad, long pickleLength)
    {
        _file = file;
        _where = where;
        _persistentLoad = persistentLoad;
        _budget = 64 * Math.Clamp(pickleLength, 1L << 20, 64L << 20);
    }

    /// <summary>Runs the pickle starting at <paramref name="position"/> up to its STOP opcode, leaving <paramref name="position"/> after it.</summary>
    public object? Load(ReadOnlySpan<byte> data, ref int position)
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        var p = position;
        while (true)
        {
            if (p >= data.Length)
                throw Malformed("data ends before the STOP opcode (truncated pickle)", p);
            _opPosition = p;
            var op = data[p++];
            switch (op)
            {
                case 0x80: // PROTO
                    var protocol = Take(data, ref p, 1)[0];
                    if (protocol > 5)
                        throw Malformed($"unsupported pickle protocol {protocol}");
                    break;
                case 0x95: // FRAME: frames only group opcodes; the length must fit in what remains
                    var frame = BinaryPrimitives.ReadUInt64LittleEndian(Take(data, ref p, 8));
                    if (frame > (ulong)(data.Length - p))
                        throw Malformed($"frame of {frame} bytes exceeds the {data.Length - p} bytes left");
                    break;
                case (byte)'.': // STOP
                    var result = Pop();
                    position = p;
                    return result;
                case (byte)'(': // MARK
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'0': // POP
                    if (_stack.Count > MarkBase)
                        _stack.RemoveAt(_stack.Count - 1);
                    else
                        PopMark();
                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    Push(Peek());
                    break;

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'I': Push(ParseTextInt(ReadLine(data, ref p), allowBool: true)); break;
                case (byte)'L': Push(ParseTextInt(TrimSuffix(ReadLine(data, ref p), (byte)'L'), allowBool: false)); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(data, ref p, 4))); break;
                case (byte)'K': Push((long)Take(data, ref p, 1)[0]); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(data, ref p, 2))); break;
                case 0x8a: Push(ParseLong(Take(data, ref p, Take(data, ref p, 1)[0]))); break;
                case 0x8b: Push(ParseLong(Take(data, ref p, ReadLength32(data, ref p, signed: true)))); break;
                case (byte)'F': Push(ParseTextFloat(ReadLine(data, ref p))); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(data, ref p, 8))); break;

                case (byte)'S': Push(Utf8(UnquoteString(ReadLine(data, ref p)))); break;
                case (byte)'T': Push(Utf8(Take(data, ref p, ReadLength32(data, ref p, signed: true)))); break;
                case (byte)'U': Push(Utf8(Take(data, ref p, Take(data, ref p, 1)[0]))); break;
                case (byte)'V': Push(RawUnicodeEscape(ReadLine(data, ref p))); break;
                case (byte)'X': Push(Utf8(Take(data, ref p, ReadLength32(data, ref p, signed: false)))); break;
                case 0x8c: Push(Utf8(Take(data, ref p, Take(data, ref p, 1)[0]))); break;
                case 0x8d: Push(Utf8(Take(data, ref p, ReadLength64(data, ref p)))); break;
                case (byte)'B': Push(Bytes(Take(data, ref p, ReadLength32(data, ref p, signed: false)))); break;
                case (byte)'C': Push(Bytes(Take(data, ref p, Take(data, ref p, 1)[0]))); break;
                case 0x8e: Push(Bytes(Take(data, ref p, ReadLength64(data, ref p)))); break;
                case 0x96: Push(Bytes(Take(data, ref p, ReadLength64(data, ref p)))); break;

                case (byte)']': Push(NewList([])); break;
                case (byte)'l': Push(NewList(PopMark())); break;
                case (byte)'a': // APPEND
                    var item = Pop();
                    AppendTo(Peek(), [item]);
                    break;
                case (byte)'e': // APPENDS
                    var items = PopMark();
                    AppendTo(Peek(), items);
                    break;
                case (byte)')': Push(NewTuple([])); break;
                case (byte)'t': Push(NewTuple(PopMark())); break;
                case 0x85: Push(NewTuple(PopN(1))); break;
                case 0x86: Push(NewTuple(PopN(2))); break;
                case 0x87: Push(NewTuple(PopN(3))); break;
                case (byte)'}': Push(NewDict(ordered: false)); break;
                case (byte)'d': // DICT
                    var pairs = PopMark();
                    var dict = NewDict(ordered: false);
                    SetItems(dict, pairs);
                    Push(dict);
                    break;
                case (byte)'s': // SETITEM
                    var value = Pop();
                    var key = Pop();
                    SetItems(Peek(), [key, value]);
                    break;
                case (byte)'u': // SETITEMS
                    var kvs = PopMark();
                    SetItems(Peek(), kvs);
                    break;
                case 0x8f or 0x90 or 0x91: // EMPTY_SET, ADDITEMS, FROZENSET
                    throw Malformed("sets are not supported in checkpoints");

                case (byte)'p': Memo(ParseMemoIndex(ReadLine(data, ref p))); break;
                case (byte)'q': Memo(Take(data, ref p, 1)[0]); break;
                case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref p, 4))); break;
                case 0x94: Memo(_memo.Count); break;
                case (byte)'g': Push(Recall(ParseMemoIndex(ReadLine(data, ref p)))); break;
                case (byte)'h': Push(Recall(Take(data, ref p, 1)[0])); break;
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref p, 4)))); break;

                case (byte)'c': // GLOBAL module\nname\n
                    var module = Ascii(ReadLine(data, ref p));
                    var name = Ascii(ReadLine(data, ref p));
                    Push(Resolve(module, name));
                    break;
                case 0x93: // STACK_GLOBAL
                    var stackName = Pop();
                    var stackModule = Pop();
                    if (stackModule is not string m || stackName is not string n)
                        throw Malformed("STACK_GLOBAL needs two strings");
                    Push(Resolve(m, n));
                    break;
                case (byte)'i': // INST module\nname\n: instantiation from the stream
                    Resolve(Ascii(ReadLine(data, ref p)), Ascii(ReadLine(data, ref p)));
                    throw Malformed("INST opcode (protocol 0 instance creation) is not supported");
                case (byte)'o':
                    throw Malformed("OBJ opcode (protocol 1 instance creation) is not supported");
                case (byte)'R': // REDUCE
                    var args = Pop();
                    Push(Call(Pop(), args, "REDUCE"));
                    break;
                case 0x81: // NEWOBJ
                    var newArgs = Pop();
                    Push(Call(Pop(), newArgs, "NEWOBJ"));
                    break;
                case 0x92: // NEWOBJ_EX
                    var kwargs = Pop();
                    var exArgs = Pop();
                    if (kwargs is not CheckpointDict { Count: 0 })
                        throw Malformed("NEWOBJ_EX with keyword arguments is not supported");
                    Push(Call(Pop(), exArgs, "NEWOBJ_EX"));
                    break;
                case (byte)'b': // BUILD
                    var state = Pop();
                    Build(Peek(), state);
                    break;
                case (byte)'Q': // BINPERSID
                    var pid = Pop();
                    if (_persistentLoad is null)
                        throw Malformed("unexpected persistent id in this pickle");
                    Push(_persistentLoad(pid));
                    break;
                case (byte)'P':
                    throw Malformed("text persistent ids (PERSID) are not supported");
                case 0x82 or 0x83 or 0x84:
                    throw Malformed("extension-registry opcodes (EXT1/EXT2/EXT4) are not supported");
                case 0x97 or 0x98:
                    throw Malformed("out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER) are not supported");
                default:
                    throw Malformed($"unknown opcode 0x{op:x2}");
            }
        }
    }

    /// <summary>An error about the pickle at the current opcode.</summary>
    public WeightFormatException Malformed(string what) => Malformed(what, _opPosition);

    private WeightFormatException Malformed(string what, int position) =>
        new(_file, null, $"{_where}: malformed pickle at byte {position}: {what}");

    // ---- stack -------------------------------------------------------------------------------------------------

    private int MarkBase => _marks.Count == 0 ? 0 : _marks[^1];

    private void Push(object? value) => _stack.Add(value);

    private object? Peek()
    {
        if (_stack.Count <= MarkBase)
            throw Malformed("stack underflow");
        return _stack[^1];
    }

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopN(int n)
    {
        if (_stack.Count - MarkBase < n)
            throw Malformed("stack underflow");
        var items = CollectionsMarshal.AsSpan(_stack)[^n..].ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0)
            throw Malformed("no MARK on the stack");
        var start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = CollectionsMarshal.AsSpan(_stack)[start..].ToArray();
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private void Memo(long index) => _memo[index] = Peek();

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Malformed($"memo miss: index {index} was never stored");

    // ---- allocation ------------------------------------------------------------------------------------------

    private void Charge(long units)
    {
        _budget -= units;
        if (_budget < 0)
            throw Malformed("pickle expands beyond its allocation budget (repeated references to large values)");
    }

    private List<object?> NewList(object?[] items)
    {
        Charge(16 + 8L * items.Length);
        return [.. items];
    }

    private object?[] NewTuple(object?[] items)
    {
        Charge(16 + 8L * items.Length);
        return items;
    }

    private CheckpointDict NewDict(bool ordered)
    {
        Charge(32);
        return new CheckpointDict(ordered);
    }

    private void AppendTo(object? target, object?[] items)
    {
        if (target is not List<object?> list)
            throw Malformed($"APPEND(S) on {Describe(target)}, not a list");
        Charge(8L * items.Length);
        list.AddRange(items);
    }

    private void SetItems(object? target, object?[] keysAndValues)
    {
        if (target is not CheckpointDict dict)
            throw Malformed($"SETITEM(S) on {Describe(target)}, not a dict");
        if (keysAndValues.Length % 2 != 0)
            throw Malformed("odd number of items for a dict");
        for (var i = 0; i < keysAndValues.Length; i += 2)
        {
            var key = keysAndValues[i];
            if (!CheckpointDict.IsSupportedKey(key))
                throw Malformed($"unsupported dict key type {Describe(key)}");
            Charge(16 + KeyCost(key));
            dict.Set(key, keysAndValues[i + 1]);
        }
    }

    /// <summary>Hashing and comparing a key costs time proportional to its size, so repeated large keys are charged.</summary>
    private static long KeyCost(object? key) => key switch
    {
        string s => s.Length,
        byte[] b => b.Length,
        object?[] t => t.Sum(KeyCost) + t.Length,
        _ => 1,
    };

    private string Utf8(ReadOnlySpan<byte> bytes)
    {
        Charge(32 + 2L * bytes.Length);
        try
        {
            return s_utf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new WeightFormatException(_file, null, $"{_where}: malformed pickle at byte {_opPosition}: string is not valid UTF-8", e);
        }
    }

    private byte[] Bytes(ReadOnlySpan<byte> bytes)
    {
        Charge(32 + bytes.Length);
        return bytes.ToArray();
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    private ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int p, long count)
    {
        if (count < 0 || count > data.Length - p)
            throw Malformed($"needs {count} bytes but only {data.Length - p} remain (truncated pickle)");
        var span = data.Slice(p, (int)count);
        p += (int)count;
        return span;
    }

    private long ReadLength32(ReadOnlySpan<byte> data, ref int p, bool signed)
    {
        var raw = Take(data, ref p, 4);
        long length = signed ? BinaryPrimitives.ReadInt32LittleEndian(raw) : BinaryPrimitives.ReadUInt32LittleEndian(raw);
        if (length < 0)
            throw Malformed($"negative length {length}");
        return length;
    }

    private long ReadLength64(ReadOnlySpan<byte> data, ref int p)
    {
        var length = BinaryPrimitives.ReadUInt64LittleEndian(Take(data, ref p, 8));
        return length > (ulong)(data.Length - p) ? throw Malformed($"needs {length} bytes but only {data.Length - p} remain (truncated pickle)") : (long)length;
    }

    private ReadOnlySpan<byte> ReadLine(ReadOnlySpan<byte> data, ref int p)
    {
        var rest = data[p..];
        var end = rest.IndexOf((byte)'\n');
        if (end < 0)
            throw Malformed("line argument without a newline (truncated pickle)");
        p += end + 1;
        return rest[..end];
    }

    private static ReadOnlySpan<byte> TrimSuffix(ReadOnlySpan<byte> line, byte suffix) =>
        line.Length > 0 && line[^1] == suffix ? line[..^1] : line;

    private string Ascii(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b < 0x20 || b > 0x7e)
                throw Malformed("global name is not printable ASCII");
        }
        return Encoding.ASCII.GetString(line);
    }

    private object ParseTextInt(ReadOnlySpan<byte> line, bool allowBool)
    {
        if (allowBool && line.SequenceEqual("00"u8))
            return false;
        if (allowBool && line.SequenceEqual("01"u8))
            return true;
        if (line.Length == 0 || line.Length > MaxTextDigits)
            throw Malformed($"text integer of {line.Length} characters");
        var text = Ascii(line);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small))
            return small;
        if (BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            Charge(line.Length);
            return big;
        }
        throw Malformed($"invalid text integer '{text}'");
    }

    private long ParseMemoIndex(ReadOnlySpan<byte> line) =>
        ParseTextInt(line, allowBool: false) is long index ? index : throw Malformed("memo index out of range");

    private object ParseLong(ReadOnlySpan<byte> littleEndianTwosComplement)
    {
        if (littleEndianTwosComplement.Length <= 8)
        {
            long value = 0;
            for (var i = littleEndianTwosComplement.Length - 1; i >= 0; i--)
                value = (value << 8) | littleEndianTwosComplement[i];
            var bits = 8 * littleEndianTwosComplement.Length;
            if (bits is > 0 and < 64 && (value & (1L << (bits - 1))) != 0)
                value -= 1L << bits; // sign-extend
            return value;
        }
        Charge(littleEndianTwosComplement.Length);
        var big = new BigInteger(littleEndianTwosComplement, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private double ParseTextFloat(ReadOnlySpan<byte> line)
    {
        var text = Ascii(line);
        return text switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ when line.Length <= 64 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => throw Malformed($"invalid text float '{(text.Length > 32 ? text[..32] + "..." : text)}'"),
        };
    }

    /// <summary>Decodes the quoted Python 2 <c>str</c> repr of the STRING opcode into its bytes.</summary>
    private byte[] UnquoteString(ReadOnlySpan<byte> line)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
            throw Malformed("STRING argument is not quoted");
        var body = line[1..^1];
        var output = new List<byte>(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\')
            {
                output.Add(body[i]);
                continue;
            }
            if (++i >= body.Length)
                throw Malformed("STRING ends with a backslash");
            var c = body[i];
            switch (c)
            {
                case (byte)'n': output.Add((byte)'\n'); break;
                case (byte)'r': output.Add((byte)'\r'); break;
                case (byte)'t': output.Add((byte)'\t'); break;
                case (byte)'a': output.Add(7); break;
                case (byte)'b': output.Add(8); break;
                case (byte)'f': output.Add(12); break;
                case (byte)'v': output.Add(11); break;
                case (byte)'\\' or (byte)'\'' or (byte)'"': output.Add(c); break;
                case (byte)'x':
                    if (i + 2 >= body.Length)
                        throw Malformed("truncated \\x escape in STRING");
                    output.Add((byte)ParseHex(body.Slice(i + 1, 2)));
                    i += 2;
                    break;
                case >= (byte)'0' and <= (byte)'7':
                    var value = 0;
                    var digits = 0;
                    while (digits < 3 && i < body.Length && body[i] is >= (byte)'0' and <= (byte)'7')
                    {
                        value = value * 8 + (body[i] - '0');
                        i++;
                        digits++;
                    }
                    i--;
                    output.Add((byte)value);
                    break;
                default:
                    output.Add((byte)'\\');
                    output.Add(c);
                    break;
            }
        }
        return [.. output];
    }

    /// <summary>Decodes Python's raw-unicode-escape (UNICODE opcode): Latin-1 bytes with <c>\uXXXX</c> and <c>\UXXXXXXXX</c> escapes.</summary>
    private string RawUnicodeEscape(ReadOnlySpan<byte> line)
    {
        Charge(32 + 2L * line.Length);
        var builder = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length && (line[i + 1] == 'u' || line[i + 1] == 'U'))
            {
                var width = line[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + width > line.Length)
                    throw Malformed("truncated \\u escape in UNICODE");
                var code = ParseHex(line.Slice(i + 2, width));
                if (code > 0x10FFFF)
                    throw Malformed("\\U escape beyond U+10FFFF");
                builder.Append(code is >= 0xD800 and <= 0xDFFF ? ((char)code).ToString() : char.ConvertFromUtf32(code));
                i += 1 + width;
                continue;
            }
            builder.Append((char)line[i]);
        }
        return builder.ToString();
    }

    private int ParseHex(ReadOnlySpan<byte> digits)
    {
        if (digits.Length == 0)
            throw Malformed("empty hex escape");
        long value = 0;
        foreach (var d in digits)
        {
            var v = d switch
            {
                >= (byte)'0' and <= (byte)'9' => d - '0',
                >= (byte)'a' and <= (byte)'f' => d - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => d - 'A' + 10,
                _ => throw Malformed("invalid hex digit in escape"),
            };
            value = value * 16 + v;
        }
        return value > int.MaxValue ? int.MaxValue : (int)value;
    }

    // ---- globals and calls -----------------------------------------------------------------------------------

    private PickleGlobal Resolve(string module, string name) =>
        PickleGlobal.Find(module, name) ?? throw new DisallowedGlobalException(_file, module, name);

    private object? Call(object? callable, object? args, string opcode)
    {
        if (callable is not PickleGlobal global)
            throw Malformed($"{opcode} on {Describe(callable)}, which is not an allowed global");
        if (args is not object?[] a)
            throw Malformed($"{opcode} of {global} with {Describe(args)} instead of an argument tuple");
        if (opcode != "REDUCE" && global.Kind is not (PickleGlobalKind.OrderedDict or PickleGlobalKind.TorchSize))
            throw Malformed($"{opcode} of {global} is not supported");
        switch (global.Kind)
        {
            case PickleGlobalKind.OrderedDict:
                var dict = NewDict(ordered: true);
                if (a.Length == 1 && a[0] is CheckpointDict source)
                    SetItems(dict, source.SelectMany(kv => new[] { kv.Key, kv.Value }).ToArray());
                else if (a.Length == 1 && a[0] is IReadOnlyList<object?> pairs)
                    SetItems(dict, pairs.SelectMany(pair => pair is IReadOnlyList<object?> { Count: 2 } kv ? new[] { kv[0], kv[1] } : throw Malformed("OrderedDict item is not a pair")).ToArray());
                else if (a.Length != 0)
                    throw Malformed($"OrderedDict called with {a.Length} arguments");
                return dict;
            case PickleGlobalKind.RebuildTensorV2:
                if (a.Length is not (6 or 7))
                    throw Malformed($"{global} expects 6 or 7 arguments, got {a.Length}");
                if (a[5] is not (CheckpointDict or null))
                    throw Malformed($"{global}: backward_hooks is {Describe(a[5])}");
                if (a.Length == 7 && a[6] is not (CheckpointDict or null))
                    throw Malformed($"{global}: metadata is {Describe(a[6])}");
                return RebuildTensor(global, a[0], a[1], a[2], a[3], RequireBool(global, a[4]));
            case PickleGlobalKind.RebuildTensor:
                if (a.Length != 4)
                    throw Malformed($"{global} expects 4 arguments, got {a.Length}");
                return RebuildTensor(global, a[0], a[1], a[2], a[3], requiresGrad: false);
            case PickleGlobalKind.RebuildParameter or PickleGlobalKind.RebuildParameterWithState:
                var expected = global.Kind == PickleGlobalKind.RebuildParameter ? 3 : 4;
                if (a.Length != expected)
                    throw Malformed($"{global} expects {expected} arguments, got {a.Length}");
                if (a[0] is not TorchTensorInfo data)
                    throw Malformed($"{global}: data is {Describe(a[0])}, not a tensor");
                if (a[2] is not (CheckpointDict or null))
                    throw Malformed($"{global}: backward_hooks is {Describe(a[2])}");
                Charge(64);
                return data with { RequiresGrad = RequireBool(global, a[1]), IsParameter = true };
            case PickleGlobalKind.TorchSize:
                if (a.Length != 1 || a[0] is not IReadOnlyList<object?> dims || dims.Any(d => d is not long))
                    throw Malformed($"{global} expects one tuple of ints");
                return NewTuple([.. dims]);
            case PickleGlobalKind.TorchDevice:
                return a switch
                {
                    [string type] => type,
                    [string type, long index] => $"{type}:{index}",
                    [string type, null] => type,
                    _ => throw Malformed($"{global} expects (type[, index])"),
                };
            case PickleGlobalKind.GetLayout:
                return a is [string layout] ? layout : throw Malformed($"{global} expects one string");
            case PickleGlobalKind.CodecsEncode:
                if (a is not [string text, string encoding] || encoding is not ("latin1" or "latin-1" or "iso-8859-1"))
                    throw Malformed($"{global} is only allowed as encode(str, 'latin1')");
                Charge(32 + text.Length);
                var bytes = new byte[text.Length];
                for (var i = 0; i < text.Length; i++)
                    bytes[i] = text[i] <= 0xFF ? (byte)text[i] : throw Malformed($"{global}: character U+{(int)text[i]:X4} is not Latin-1");
                return bytes;
            case PickleGlobalKind.Bytes:
                return a.Length == 0 ? Bytes([]) : throw Malformed($"{global} is only allowed without arguments");
            case PickleGlobalKind.Storage:
                throw Malformed($"{global} can only appear inside a persistent id");
            default:
                throw Malformed($"{global} cannot be called");
        }
    }

    private bool RequireBool(PickleGlobal global, object? value) =>
        value is bool b ? b : throw Malformed($"{global}: requires_grad is {Describe(value)}, not a bool");

    private TorchTensorInfo RebuildTensor(PickleGlobal global, object? storage, object? offset, object? size, object? stride, bool requiresGrad)
    {
        if (storage is not TorchStorageInfo s)
            throw Malformed($"{global}: storage is {Describe(storage)}, not a persistent storage");
        if (offset is not long o || o < 0)
            throw Malformed($"{global}: storage offset is {Describe(offset)}");
        var shape = Ints(global, "size", size);
        var strides = Ints(global, "stride", stride);
        if (shape.Length != strides.Length)
            throw Malformed($"{global}: size {TensorEntry.FormatShape(shape)} and stride {TensorEntry.FormatShape(strides)} differ in rank");
        Charge(64 + 16L * shape.Length);
        return new TorchTensorInfo(s, o, shape, strides, requiresGrad, IsParameter: false);
    }

    private long[] Ints(PickleGlobal global, string what, object? value)
    {
        if (value is not IReadOnlyList<object?> list)
            throw Malformed($"{global}: {what} is {Describe(value)}, not a tuple");
        var result = new long[list.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = list[i] is long v && v >= 0 ? v : throw Malformed($"{global}: {what}[{i}] is {Describe(list[i])}, not a non-negative int");
        return result;
    }

    private void Build(object? instance, object? state)
    {
        if (instance is not CheckpointDict dict)
            throw Malformed($"BUILD on {Describe(instance)} is not supported");
        // state is the instance __dict__, or (__dict__, slots) as pickle writes for objects with __slots__.
        if (state is object?[] { Length: 2 } both)
            state = both[0] ?? both[1];
        if (state is null)
            return;
        if (state is not CheckpointDict attributes)
            throw Malformed($"BUILD state for a dict is {Describe(state)}");
        dict.Attributes ??= NewDict(ordered: false);
        SetItems(dict.Attributes, attributes.SelectMany(kv => new[] { kv.Key, kv.Value }).ToArray());
    }

    /// <summary>A short description of a pickle value for error messages.</summary>
    internal static string Describe(object? value) => value switch
    {
        null => "None",
        string s => s.Length > 40 ? $"str '{s[..40]}...'" : $"str '{s}'",
        long l => $"int {l}",
        bool b => b ? "True" : "False",
        double d => $"float {d.ToString(CultureInfo.InvariantCulture)}",
        BigInteger => "a big int",
        byte[] b => $"bytes[{b.Length}]",
        List<object?> l => $"list[{l.Count}]",
        object?[] t => $"tuple[{t.Length}]",
        CheckpointDict d => d.ToString(),
        PickleGlobal g => $"global {g}",
        TorchTensorInfo => "a tensor",
        TorchStorageInfo => "a storage",
        _ => value.GetType().Name,
    };
}
