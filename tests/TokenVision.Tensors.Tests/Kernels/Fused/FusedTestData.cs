using TokenVision.Tensors.Kernels;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Fused;

/// <summary>Shared theory data and helpers for the fused-kernel tests.</summary>
internal static class FusedTestData
{
    /// <summary>Lengths 0 to 3x the widest vector (16 floats).</summary>
    public static readonly int[] Lengths = Enumerable.Range(0, 49).ToArray();

    public static readonly int[] RowCounts = [1, 3, 17];

    public static TheoryData<IsaLevel> Levels => new() { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Avx2, IsaLevel.Avx512 };

    public static float[] Random(int seed, int length, float scale = 3f)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (var i = 0; i < length; i++)
            data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return data;
    }

    public static void Close(double expected, float actual, double tol, string what)
    {
        if (!(Math.Abs(expected - actual) <= tol))
            throw new Xunit.Sdk.XunitException($"{what}: expected {expected:R}, got {actual:R} (tol {tol:E2})");
    }
}
