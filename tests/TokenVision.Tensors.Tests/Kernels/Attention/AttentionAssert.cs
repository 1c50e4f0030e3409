using Xunit.Sdk;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Comparisons of kernel results with the double-precision reference.</summary>
internal static class AttentionAssert
{
    /// <summary>
    /// Every element within <paramref name="absolute"/>·max|expected| + <paramref name="relative"/>·|expected|;
    /// infinities and NaN must match exactly.
    /// </summary>
    public static void Close(float[] expected, float[] actual, double absolute, double relative, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        var scale = 0.0;
        foreach (var e in expected)
        {
            if (float.IsFinite(e))
                scale = Math.Max(scale, Math.Abs(e));
        }
        var worst = 0.0;
        var worstAt = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (!float.IsFinite(e) || !float.IsFinite(a))
            {
                if (!e.Equals(a))
                    throw new XunitException($"{what}[{i}]: got {a}, expected {e}");
                continue;
            }
            var excess = Math.Abs(a - e) / (absolute * scale + relative * Math.Abs(e) + 1e-30);
            if (excess > worst)
                (worst, worstAt) = (excess, i);
        }
        if (worst > 1)
        {
            throw new XunitException(
                $"{what}[{worstAt}]: got {actual[worstAt]}, expected {expected[worstAt]} (error {worst:F2}× the tolerance; max |expected| {scale})");
        }
    }

    /// <summary>Bitwise equality.</summary>
    public static void Identical(float[] expected, float[] actual, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                throw new XunitException($"{what}[{i}]: {actual[i]:R} differs from {expected[i]:R}");
        }
    }
}
