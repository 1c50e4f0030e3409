namespace TokenVision.Data.Loading;

/// <summary>Derives independent seeds from (seed, epoch, index, stream) with SplitMix64 finalisation.</summary>
internal static class SeedMixer
{
    public const ulong SampleStream = 0x5A3D_1E55;
    public const ulong ShuffleStream = 0x5B0F_F1E5;
    public const ulong MixupStream = 0x31C5_0B0C;

    public static ulong Mix(ulong seed, long epoch, long index, ulong stream)
    {
        var x = Finalise(seed ^ stream * 0x9E3779B97F4A7C15UL);
        x = Finalise(x ^ (ulong)epoch * 0xBF58476D1CE4E5B9UL + 0x632BE59BD9B4E019UL);
        return Finalise(x ^ (ulong)index * 0x94D049BB133111EBUL + 0x9E3779B97F4A7C15UL);
    }

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
