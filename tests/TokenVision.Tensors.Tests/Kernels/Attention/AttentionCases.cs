using Xunit;
using TokenVision.Tensors.Kernels;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>The shapes and options every attention path is tested over.</summary>
internal static class AttentionCases
{
    /// <summary>Levels this machine can run (lower levels are forced with <see cref="Isa.Force"/>).</summary>
    public static IEnumerable<IsaLevel> Levels => Enum.GetValues<IsaLevel>().Where(l => l <= Isa.Hardware);

    /// <summary>The test problems.</summary>
    public static readonly AttentionCase[] All =
    [
        new(1, 1, 1, 1, 8, 8),
        new(2, 3, 197, 197, 64, 64) { Seed = 2 },
        new(1, 2, 197, 197, 64, 64) { Layout = LayoutKind.PackedQkv, Seed = 3 },
        new(2, 2, 49, 49, 32, 32) { Bias = BiasKind.PerHead, Seed = 4 },
        new(4, 2, 49, 49, 32, 32) { Bias = BiasKind.PerHead, Mask = MaskKind.PerWindow, Seed = 5 },
        new(4, 3, 49, 49, 32, 32) { Bias = BiasKind.PerWindow, Seed = 6 },
        new(2, 2, 50, 50, 16, 16) { Causal = true, Seed = 7 },
        new(1, 2, 50, 37, 96, 40) { Seed = 8 },
        new(2, 2, 33, 45, 8, 24) { Mask = MaskKind.Random, Bias = BiasKind.Full, Seed = 9 },
        new(3, 2, 20, 29, 16, 16) { Mask = MaskKind.KeyPadding, Seed = 10 },
        new(2, 2, 31, 26, 16, 8) { Mask = MaskKind.Transposed, Bias = BiasKind.Transposed, Seed = 11 },
        new(2, 3, 40, 45, 24, 16) { Bias = BiasKind.PerKey, Layout = LayoutKind.Padded, Seed = 12 },
        new(1, 2, 61, 23, 32, 32) { Causal = true, Layout = LayoutKind.Padded, Seed = 13 },
        new(1, 2, 23, 61, 32, 32) { Causal = true, Bias = BiasKind.PerHead, Seed = 14 },
        new(1, 2, 12, 600, 16, 20) { Spread = 2f, Seed = 15 },
        new(1, 1, 100, 700, 32, 32) { Causal = true, Bias = BiasKind.Full, Spread = 2f, Seed = 16 },
        new(2, 2, 37, 41, 64, 64) { Bias = BiasKind.WithInfinities, Mask = MaskKind.Random, Seed = 17 },
        new(1, 2, 17, 19, 96, 96) { Scale = 0.37f, Layout = LayoutKind.Padded, Mask = MaskKind.PerWindow, Seed = 18 },
        new(2, 1, 7, 0, 8, 8) { Seed = 19 },
        new(2, 1, 0, 7, 8, 8) { Seed = 20 },
        new(1, 1, 5, 3, 1, 1) { Seed = 21 },
    ];

    /// <summary>Every case at every level.</summary>
    public static TheoryData<int, IsaLevel> CasesByLevel()
    {
        var data = new TheoryData<int, IsaLevel>();
        foreach (var level in Levels)
        {
            for (var i = 0; i < All.Length; i++)
                data.Add(i, level);
        }
        return data;
    }
}
