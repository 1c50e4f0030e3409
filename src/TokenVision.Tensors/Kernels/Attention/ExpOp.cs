using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>e^x in float32 with a relative error of about 1e-7 (two ulps), scalar and vectorised alike.</summary>
/// <remarks>
/// Range reduction x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts, Cody–Waite, so n·ln2_hi is exact),
/// e^r ≈ 1 + r + r²·p(r) with a degree-5 minimax polynomial p, then scaling by 2·2^(n−1) through the exponent bits
/// (the split keeps n = 128 representable, so the whole range up to ln(float.MaxValue) is exact).
/// Inputs below −86.5 give 0 (so no denormal results reach the attention accumulators), inputs above
/// 88.72 give +∞, NaN gives NaN. Every path evaluates the same operations, so all levels agree to rounding.
/// </remarks>
internal readonly struct ExpOp
{
    /// <summary>Below this e^x is flushed to zero (e^-86.5 ≈ 2.7e-38, just above the smallest normal float).</summary>
    public const float Lower = -86.5f;

    /// <summary>Above this e^x overflows to +∞.</summary>
    public const float Upper = 88.72283f;

    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float RoundMagic = 12582912.0f; // 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    /// <summary>e^x, scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        if (x < Lower)
            return 0f;
        if (x > Upper)
            return float.PositiveInfinity;
        var xc = x;
        var t = MathF.FusedMultiplyAdd(xc, Log2E, RoundMagic);
        var n = t - RoundMagic;
        var r = MathF.FusedMultiplyAdd(n, -Ln2Hi, xc);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        var p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        var y = MathF.FusedMultiplyAdd(p, r * r, r + 1f);
        var scale = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(t) + 126) << 23);
        return (y + y) * scale;
    }

    /// <summary>e^x, 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        // MaxNative(lo, x) returns x when x is NaN on x86 and ARM alike, so NaN flows through to the result.
        var xc = Vector128.MinNative(Vector128.Create(Upper), Vector128.MaxNative(Vector128.Create(Lower), x));
        var t = Vector128.MultiplyAddEstimate(xc, Vector128.Create(Log2E), Vector128.Create(RoundMagic));
        var n = t - Vector128.Create(RoundMagic);
        var r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Hi), xc);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.MultiplyAddEstimate(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(P5));
        var y = Vector128.MultiplyAddEstimate(p, r * r, r + Vector128<float>.One);
        var scale = Vector128.ShiftLeft(t.AsInt32() + Vector128.Create(126), 23).AsSingle();
        y = (y + y) * scale;
        y = Vector128.AndNot(y, Vector128.LessThan(x, Vector128.Create(Lower)));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(Upper)), Vector128.Create(float.PositiveInfinity), y);
    }

    /// <summary>e^x, 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var xc = Vector256.MinNative(Vector256.Create(Upper), Vector256.MaxNative(Vector256.Create(Lower), x));
        var t = Vector256.MultiplyAddEstimate(xc, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        var n = t - Vector256.Create(RoundMagic);
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Hi), xc);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(P5));
        var y = Vector256.MultiplyAddEstimate(p, r * r, r + Vector256<float>.One);
        var scale = Vector256.ShiftLeft(t.AsInt32() + Vector256.Create(126), 23).AsSingle();
        y = (y + y) * scale;
        y = Vector256.AndNot(y, Vector256.LessThan(x, Vector256.Create(Lower)));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(Upper)), Vector256.Create(float.PositiveInfinity), y);
    }

    /// <summary>e^x, 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var xc = Vector512.MinNative(Vector512.Create(Upper), Vector512.MaxNative(Vector512.Create(Lower), x));
        var t = Vector512.MultiplyAddEstimate(xc, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        var n = t - Vector512.Create(RoundMagic);
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Hi), xc);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(P5));
        var y = Vector512.MultiplyAddEstimate(p, r * r, r + Vector512<float>.One);
        var scale = Vector512.ShiftLeft(t.AsInt32() + Vector512.Create(126), 23).AsSingle();
        y = (y + y) * scale;
        y = Vector512.AndNot(y, Vector512.LessThan(x, Vector512.Create(Lower)));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(Upper)), Vector512.Create(float.PositiveInfinity), y);
    }
}
