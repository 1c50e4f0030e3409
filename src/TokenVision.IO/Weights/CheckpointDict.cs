using System.Collections;
using System.Numerics;

namespace TokenVision.IO.Weights;

/// <summary>
/// A Python <c>dict</c> or <c>collections.OrderedDict</c> read from a checkpoint pickle, in insertion order.
/// Keys are plain data: <see cref="string"/>, <see cref="long"/>, <see cref="BigInteger"/>, <see cref="double"/>,
/// <see cref="bool"/>, null (None), <see cref="byte"/>[] or a flat tuple (<see cref="object"/>[]) of those.
/// Values are those types, <see cref="List{T}"/> (list), <see cref="object"/>[] (tuple), nested dicts,
/// <see cref="TorchTensorInfo"/> or <see cref="TorchStorageInfo"/>.
/// </summary>
public sealed class CheckpointDict : IReadOnlyList<KeyValuePair<object?, object?>>
{
    private static readonly object s_noneKey = new();
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = new(KeyComparer.Instance);

    internal CheckpointDict(bool ordered) => IsOrderedDict = ordered;

    /// <summary>True for <c>collections.OrderedDict</c> (what <c>state_dict()</c> returns), false for a plain <c>dict</c>.</summary>
    public bool IsOrderedDict { get; }

    /// <summary>Instance attributes restored by the pickle (e.g. <c>_metadata</c> of a state dict), or null when there are none.</summary>
    public CheckpointDict? Attributes { get; internal set; }

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <summary>The item at <paramref name="index"/> in insertion order.</summary>
    public KeyValuePair<object?, object?> this[int index] => _items[index];

    /// <summary>Keys in insertion order.</summary>
    public IEnumerable<object?> Keys => _items.Select(static kv => kv.Key);

    /// <summary>True when <paramref name="key"/> is present (Python equality: <c>1</c>, <c>1.0</c> and <c>True</c> are the same key).</summary>
    public bool ContainsKey(object? key) => _index.ContainsKey(key ?? s_noneKey);

    /// <summary>Looks <paramref name="key"/> up.</summary>
    public bool TryGetValue(object? key, out object? value)
    {
        if (_index.TryGetValue(key ?? s_noneKey, out var i))
        {
            value = _items[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Enumerates items in insertion order.</summary>
    public IEnumerator<KeyValuePair<object?, object?>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Returns e.g. <c>OrderedDict(3 items)</c>.</summary>
    public override string ToString() => $"{(IsOrderedDict ? "OrderedDict" : "dict")}({Count} items)";

    /// <summary>True for the key types this dict accepts (Python's hashable plain data, tuples flat).</summary>
    internal static bool IsSupportedKey(object? key) => key switch
    {
        object?[] tuple => tuple.All(static k => k is not object?[] && IsSupportedKey(k)),
        null or string or long or bool or double or BigInteger or byte[] => true,
        TorchTensorInfo or TorchStorageInfo => true,
        _ => false,
    };

    /// <summary>Sets <paramref name="key"/> (Python semantics: an existing key keeps its position and takes the new value).</summary>
    internal void Set(object? key, object? value)
    {
        var k = key ?? s_noneKey;
        if (_index.TryGetValue(k, out var i))
        {
            _items[i] = new KeyValuePair<object?, object?>(_items[i].Key, value);
            return;
        }
        _index.Add(k, _items.Count);
        _items.Add(new KeyValuePair<object?, object?>(key, value));
    }

    /// <summary>Python key equality over the supported key types; tensors and storages compare by identity.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y)
        {
            if (ReferenceEquals(x, y))
                return true;
            if (x is null || y is null)
                return false;
            if (IsNumber(x) && IsNumber(y))
                return NumericEquals(x, y);
            return (x, y) switch
            {
                (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
                (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
                (object?[] a, object?[] b) => a.Length == b.Length && a.Zip(b).All(p => Equals(p.First ?? s_noneKey, p.Second ?? s_noneKey)),
                _ => false,
            };
        }

        public int GetHashCode(object obj) => obj switch
        {
            string s => string.GetHashCode(s, StringComparison.Ordinal),
            bool b => b ? 1 : 0,
            long l => l.GetHashCode(),
            BigInteger big => HashInteger(big),
            double d when double.IsFinite(d) && double.IsInteger(d) => HashInteger(new BigInteger(d)),
            double d => d.GetHashCode(),
            byte[] bytes => bytes.Length,
            object?[] tuple => tuple.Aggregate(tuple.Length, (h, k) => HashCode.Combine(h, GetHashCode(k ?? s_noneKey))),
            _ => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj),
        };

        private static int HashInteger(BigInteger value) =>
            value >= long.MinValue && value <= long.MaxValue ? ((long)value).GetHashCode() : value.GetHashCode();

        private static bool IsNumber(object o) => o is long or bool or double or BigInteger;

        private static bool NumericEquals(object x, object y)
        {
            if (x is double || y is double)
            {
                if (x is double a && y is double b)
                    return a == b;
                var (d, other) = x is double dx ? (dx, y) : ((double)y, x);
                return double.IsFinite(d) && double.IsInteger(d) && new BigInteger(d) == ToBig(other);
            }
            return ToBig(x) == ToBig(y);
        }

        private static BigInteger ToBig(object o) => o switch
        {
            long l => l,
            bool b => b ? 1 : 0,
            BigInteger big => big,
            _ => BigInteger.Zero,
        };
    }
}
