using System.Collections;
using System.Runtime.CompilerServices;

namespace TokenVision.Tensors;

/// <summary>An immutable list of dimension sizes, e.g. <c>[B, N, C]</c>.</summary>
public readonly struct Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    private readonly int[]? _dims;

    /// <summary>Creates a shape; the array is copied.</summary>
    public Shape(params ReadOnlySpan<int> dims)
    {
        _dims = dims.ToArray();
        for (var i = 0; i < _dims.Length; i++)
            if (_dims[i] < 0)
                throw new ArgumentException($"negative dimension {_dims[i]} in shape {this}", nameof(dims));
    }

    private Shape(int[] dims, bool _) => _dims = dims;

    internal static Shape Wrap(int[] dims) => new(dims, false);

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <inheritdoc/>
    public int Count => Rank;

    /// <summary>Size of dimension <paramref name="index"/>; negative indices count from the end.</summary>
    public int this[int index]
    {
        get
        {
            var dims = _dims ?? [];
            var i = index < 0 ? index + dims.Length : index;
            if ((uint)i >= (uint)dims.Length)
                throw new ArgumentOutOfRangeException(nameof(index), $"dimension {index} out of range for shape {this}");
            return dims[i];
        }
    }

    /// <summary>Product of all dimensions (1 for a scalar).</summary>
    public int NumElements
    {
        get
        {
            long n = 1;
            foreach (var d in _dims ?? [])
                n *= d;
            if (n > int.MaxValue)
                throw new OverflowException($"shape {this} has more than {int.MaxValue} elements");
            return (int)n;
        }
    }

    /// <summary>The dimensions as a span.</summary>
    public ReadOnlySpan<int> AsSpan() => _dims;

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray() => (int[])(_dims ?? []).Clone();

    internal int[] Dims
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _dims ?? [];
    }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(_dims ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(Shape other) => AsSpan().SequenceEqual(other.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims ?? [])
            h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Formats as <c>[2, 3, 4]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", _dims ?? []) + "]";

    /// <summary>Shape equality.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Shape inequality.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Converts an array of dimensions.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);
}
