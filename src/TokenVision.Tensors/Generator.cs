namespace TokenVision.Tensors;

/// <summary>
/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64). Every random operation in the
/// library takes one explicitly, so a seed reproduces a run.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>Creates a generator from <paramref name="seed"/>.</summary>
    public Generator(ulong seed = 0) => Reseed(seed);

    /// <summary>The seed this generator was last (re)seeded with.</summary>
    public ulong Seed { get; private set; }

    /// <summary>Restarts the sequence from <paramref name="seed"/>.</summary>
    public void Reseed(ulong seed)
    {
        Seed = seed;
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = null;
    }

    /// <summary>A new generator seeded from this one's next output (for workers and per-sample streams).</summary>
    public Generator Spawn() => new(NextUInt64());

    /// <summary>Next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public long NextInt64(long maxExclusive)
    {
        if (maxExclusive <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        var bound = (ulong)maxExclusive;
        var threshold = (0 - bound) % bound;
        while (true)
        {
            var r = NextUInt64();
            var hi = Math.BigMul(r, bound, out var lo);
            if (lo >= threshold)
                return (long)hi;
        }
    }

    /// <summary>Uniform integer in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public int NextInt(int low, int high)
    {
        if (high <= low)
            throw new ArgumentOutOfRangeException(nameof(high), $"empty range [{low}, {high})");
        return (int)(low + NextInt64((long)high - low));
    }

    /// <summary>
    /// Standard normal sample (Marsaglia's polar form of Box-Muller: a uniform point in the unit disc gives two
    /// independent normals with one logarithm and no trigonometry; the second value is kept for the next call).
    /// </summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        }
        while (s >= 1.0 || s == 0.0);
        var f = Math.Sqrt(-2.0 * Math.Log(s) / s);
        _spareNormal = v * f;
        return u * f;
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = (int)NextInt64(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++)
            p[i] = i;
        Shuffle<int>(p);
        return p;
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
