using System.Globalization;
using System.Text;

namespace TokenVision.IO.Npy;

/// <summary>
/// The <c>.npy</c> preamble: magic, version, header length and the Python dict literal numpy writes,
/// e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>, padded with spaces to a
/// 64-byte boundary and ended by a newline. Parsed by a small strict parser (no evaluation).
/// </summary>
internal readonly record struct NpyHeader(NpyDType DType, bool BigEndian, int[] Shape)
{
    /// <summary>The six magic bytes, <c>\x93NUMPY</c>.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private const int Align = 64;

    /// <summary>Bytes of the fixed prefix: magic, version and the header-length field (2 bytes for v1, 4 for v2/v3).</summary>
    public static int PrefixLength(int major) => major == 1 ? 10 : 12;

    /// <summary>Reads the version and header length from the first 10 (v1) or 12 (v2/v3) bytes.</summary>
    /// <returns>The major version and the length of the dict text that follows the prefix.</returns>
    public static (int Major, long HeaderLength) ReadPrefix(ReadOnlySpan<byte> prefix, string source)
    {
        if (prefix.Length < 10 || !prefix[..6].SequenceEqual(Magic))
            throw new NpyFormatException(source, "not a .npy file (missing \\x93NUMPY magic)");
        int major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0)
            throw new NpyFormatException(source, $"unsupported .npy format version {major}.{minor}");
        if (major == 1)
            return (1, prefix[8] | (prefix[9] << 8));
        if (prefix.Length < 12)
            throw new NpyFormatException(source, "truncated header");
        return (major, (uint)(prefix[8] | (prefix[9] << 8) | (prefix[10] << 16) | (prefix[11] << 24)));
    }

    /// <summary>Parses the dict text; v1/v2 headers are latin-1, v3 headers UTF-8.</summary>
    public static NpyHeader Parse(ReadOnlySpan<byte> headerBytes, int major, string source)
    {
        var text = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        return new Parser(text, source).ParseHeader();
    }

    /// <summary>Builds magic, version, length and padded dict for <paramref name="array"/>: version 1.0 unless the dict needs 2.0.</summary>
    public static byte[] Format(NpyArray array)
    {
        var shape = array.Shape;
        var tuple = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{Descr(array.DType)}', 'fortran_order': False, 'shape': {tuple}, }}";
        var major = 1;
        var prefix = PrefixLength(major);
        var padded = (prefix + dict.Length + 1 + Align - 1) / Align * Align;
        if (padded - prefix > ushort.MaxValue)
        {
            major = 2;
            prefix = PrefixLength(major);
            padded = (prefix + dict.Length + 1 + Align - 1) / Align * Align;
        }
        var headerLength = padded - prefix;
        var bytes = new byte[padded];
        Magic.CopyTo(bytes);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        bytes[8] = (byte)headerLength;
        bytes[9] = (byte)(headerLength >> 8);
        if (major == 2)
        {
            bytes[10] = (byte)(headerLength >> 16);
            bytes[11] = (byte)(headerLength >> 24);
        }
        var text = bytes.AsSpan(prefix);
        Encoding.Latin1.GetBytes(dict, text);
        text[dict.Length..^1].Fill((byte)' ');
        text[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>The little-endian numpy descr of <paramref name="dtype"/>, e.g. <c>&lt;f4</c>.</summary>
    public static string Descr(NpyDType dtype) => dtype switch
    {
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        NpyDType.Int64 => "<i8",
        NpyDType.Int32 => "<i4",
        NpyDType.UInt8 => "|u1",
        NpyDType.UInt16 => "<u2",
        NpyDType.Bool => "|b1",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    private static (NpyDType DType, bool BigEndian)? ParseDescr(string descr)
    {
        if (descr.Length < 3)
            return null;
        NpyDType? dtype = descr[1..] switch
        {
            "f4" => NpyDType.Float32,
            "f8" => NpyDType.Float64,
            "i8" => NpyDType.Int64,
            "i4" => NpyDType.Int32,
            "u1" => NpyDType.UInt8,
            "u2" => NpyDType.UInt16,
            "b1" => NpyDType.Bool,
            _ => null,
        };
        if (dtype is not { } t)
            return null;
        var single = NpyArray.ElementSize(t) == 1;
        return descr[0] switch
        {
            '<' => (t, false),
            '>' => (t, !single),
            '|' when single => (t, false),
            '=' => (t, !single && !BitConverter.IsLittleEndian),
            _ => null,
        };
    }

    /// <summary>Recursive-descent parser for the three-key dict literal.</summary>
    private ref struct Parser(string text, string source)
    {
        private int _pos;

        public NpyHeader ParseHeader()
        {
            string? descr = null;
            bool? fortran = null;
            int[]? shape = null;
            SkipSpace();
            Expect('{');
            SkipSpace();
            while (Peek() != '}')
            {
                var key = ParseString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                switch (key)
                {
                    case "descr" when descr is null:
                        if (Peek() is '[' or '{')
                            throw Fail("structured dtypes (descr is a list or dict) are not supported");
                        descr = ParseString();
                        break;
                    case "fortran_order" when fortran is null:
                        fortran = ParseBool();
                        break;
                    case "shape" when shape is null:
                        shape = ParseShape();
                        break;
                    case "descr" or "fortran_order" or "shape":
                        throw Fail($"header repeats the key '{key}'");
                    default:
                        throw Fail($"header has an unexpected key '{key}'");
                }
                SkipSpace();
                if (Peek() == ',')
                {
                    _pos++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Fail($"expected ',' or '}}' at header offset {_pos}");
                }
            }
            _pos++;
            for (; _pos < text.Length; _pos++)
            {
                if (text[_pos] is not (' ' or '\t' or '\r' or '\n' or '\0'))
                    throw Fail($"unexpected text after the header dict at offset {_pos}");
            }
            if (descr is null || fortran is null || shape is null)
                throw Fail($"header lacks the key '{(descr is null ? "descr" : fortran is null ? "fortran_order" : "shape")}'");
            if (fortran.Value)
                throw Fail("fortran_order arrays are not supported (only C order)");
            var parsed = ParseDescr(descr) ?? throw Fail($"unsupported dtype descr '{descr}' (supported: <f4 <f8 <i8 <i4 |u1 <u2 |b1 and their big-endian forms)");
            return new NpyHeader(parsed.DType, parsed.BigEndian, shape);
        }

        private readonly NpyFormatException Fail(string reason) => new(source, reason);

        private readonly char Peek() => _pos < text.Length ? text[_pos] : throw new NpyFormatException(source, "header ends inside the dict");

        private void SkipSpace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\r' or '\n')
                _pos++;
        }

        private void Expect(char c)
        {
            if (Peek() != c)
                throw Fail($"expected '{c}' at header offset {_pos}, found '{text[_pos]}'");
            _pos++;
        }

        private string ParseString()
        {
            var quote = Peek();
            if (quote is not ('\'' or '"'))
                throw Fail($"expected a quoted string at header offset {_pos}");
            var start = ++_pos;
            while (Peek() != quote)
            {
                if (text[_pos] == '\\')
                    throw Fail("escape sequences in header strings are not supported");
                _pos++;
            }
            return text[start..(_pos++)];
        }

        private bool ParseBool()
        {
            if (string.CompareOrdinal(text, _pos, "True", 0, 4) == 0)
            {
                _pos += 4;
                return true;
            }
            if (string.CompareOrdinal(text, _pos, "False", 0, 5) == 0)
            {
                _pos += 5;
                return false;
            }
            throw Fail($"fortran_order must be True or False (header offset {_pos})");
        }

        private int[] ParseShape()
        {
            Expect('(');
            var dims = new List<int>();
            var trailingComma = false;
            SkipSpace();
            while (Peek() != ')')
            {
                var start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                    _pos++;
                if (_pos == start)
                    throw Fail($"shape entries must be non-negative integers (header offset {start})");
                if (!int.TryParse(text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
                    throw Fail($"shape entry {text[start.._pos]} is too large");
                if (Peek() == 'L')
                    _pos++;
                dims.Add(dim);
                SkipSpace();
                trailingComma = Peek() == ',';
                if (trailingComma)
                {
                    _pos++;
                    SkipSpace();
                }
                else if (Peek() != ')')
                {
                    throw Fail($"expected ',' or ')' in shape at header offset {_pos}");
                }
            }
            _pos++;
            if (dims.Count == 1 && !trailingComma)
                throw Fail($"shape ({dims[0]}) is not a tuple (a 1-d shape is written ({dims[0]},))");
            if (NpyArray.ElementCount(dims.ToArray()) is null)
                throw Fail($"shape ({string.Join(", ", dims)}) is too large");
            return [.. dims];
        }
    }
}
