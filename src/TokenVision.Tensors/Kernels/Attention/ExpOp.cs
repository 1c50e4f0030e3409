using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>e^x in float32 with a relative error of about 1e-7 (two ulps), scalar and vectorised alike.</summary>
/// <remarks>
/// Range reduction x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts, Cody–Waite, so n·ln2_hi is exact),
/// 2·e^r ≈ 2 + 2r + r²·p(r) with a degree-5 minimax polynomial p (Cephes coefficients, doubled exactly), then scaling
/// by 2^(n−1) through the exponent bits — the split keeps n = 128 representable, so the range reaches ln(float.MaxValue).
/// Inputs are first raised to −87.5, where n = −126 makes that scale exactly 0: e^x is 0 for x below about −87
/// (e^x &lt; 2^−125.5, so no denormal ever reaches the attention accumulators; −∞ gives 0 with no extra test).
/// NaN gives NaN. Every path evaluates the same operations in the same order, so all widths agree bit for bit.
/// <see cref="Invoke(float)"/> also maps x &gt; 88.72 to +∞; the <c>InvokeNonPositive</c> forms skip that test and
/// are for arguments that cannot overflow (the attention softmax only exponentiates x ≤ 0).
/// </remarks>
internal readonly struct ExpOp
{
    /// <summary>Inputs are raised to this before the reduction; the result there is exactly 0.</summary>
    public const float Floor = -87.5f;

    /// <summary>Above this e^x overflows to +∞.</summary>
    public const float Upper = 88.72283f;

    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float RoundMagic = 12582912.0f; // 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits
    private const float Q0 = 2 * 1.9875691500e-4f;
    private const float Q1 = 2 * 1.3981999507e-3f;
    private const float Q2 = 2 * 8.3334519073e-3f;
    private const float Q3 = 2 * 4.1665795894e-2f;
    private const float Q4 = 2 * 1.6666665459e-1f;
    private const float Q5 = 2 * 5.0000001201e-1f;

    /// <summary>e^x, scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => x > Upper ? float.PositiveInfinity : InvokeNonPositive(x);

    /// <summary>e^x, scalar, for x ≤ 88.72 only: no overflow handling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InvokeNonPositive(float x)
    {
        var xc = x < Floor ? Floor : x;
        var t = MathF.FusedMultiplyAdd(xc, Log2E, RoundMagic);
        var n = t - RoundMagic;
        var r = MathF.FusedMultiplyAdd(n, -Ln2Hi, xc);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        var p = MathF.FusedMultiplyAdd(Q0, r, Q1);
        p = MathF.FusedMultiplyAdd(p, r, Q2);
        p = MathF.FusedMultiplyAdd(p, r, Q3);
        p = MathF.FusedMultiplyAdd(p, r, Q4);
        p = MathF.FusedMultiplyAdd(p, r, Q5);
        var y = MathF.FusedMultiplyAdd(p, r * r, MathF.FusedMultiplyAdd(r, 2f, 2f));
        return y * BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(t) + 126) << 23);
    }

    /// <summary>e^x, 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var y = InvokeNonPositive(Vector128.MinNative(Vector128.Create(Upper), x));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(Upper)), Vector128.Create(float.PositiveInfinity), y);
    }

    /// <summary>e^x, 128-bit vectors, for x ≤ 88.72 only (attention feeds x ≤ 0): no overflow handling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> InvokeNonPositive(Vector128<float> x)
    {
        // MaxNative(lo, x) returns x when x is NaN on x86 and ARM alike, so NaN flows through to the result.
        var xc = Vector128.MaxNative(Vector128.Create(Floor), x);
        var t = Vector128.MultiplyAddEstimate(xc, Vector128.Create(Log2E), Vector128.Create(RoundMagic));
        var n = t - Vector128.Create(RoundMagic);
        var r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Hi), xc);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.MultiplyAddEstimate(Vector128.Create(Q0), r, Vector128.Create(Q1));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(Q2));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(Q3));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(Q4));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(Q5));
        var y = Vector128.MultiplyAddEstimate(p, r * r, Vector128.MultiplyAddEstimate(r, Vector128.Create(2f), Vector128.Create(2f)));
        return y * Vector128.ShiftLeft(t.AsInt32() + Vector128.Create(126), 23).AsSingle();
    }

    /// <summary>e^x, 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var y = InvokeNonPositive(Vector256.MinNative(Vector256.Create(Upper), x));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(Upper)), Vector256.Create(float.PositiveInfinity), y);
    }

    /// <summary>e^x, 256-bit vectors, for x ≤ 88.72 only (attention feeds x ≤ 0): no overflow handling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> InvokeNonPositive(Vector256<float> x)
    {
        // MaxNative(lo, x) returns x when x is NaN on x86 and ARM alike, so NaN flows through to the result.
        var xc = Vector256.MaxNative(Vector256.Create(Floor), x);
        var t = Vector256.MultiplyAddEstimate(xc, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        var n = t - Vector256.Create(RoundMagic);
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Hi), xc);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(Q0), r, Vector256.Create(Q1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(Q2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(Q3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(Q4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(Q5));
        var y = Vector256.MultiplyAddEstimate(p, r * r, Vector256.MultiplyAddEstimate(r, Vector256.Create(2f), Vector256.Create(2f)));
        return y * Vector256.ShiftLeft(t.AsInt32() + Vector256.Create(126), 23).AsSingle();
    }

    /// <summary>e^x, 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var y = InvokeNonPositive(Vector512.MinNative(Vector512.Create(Upper), x));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(Upper)), Vector512.Create(float.PositiveInfinity), y);
    }

    /// <summary>e^x, 512-bit vectors, for x ≤ 88.72 only (attention feeds x ≤ 0): no overflow handling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> InvokeNonPositive(Vector512<float> x)
    {
        // MaxNative(lo, x) returns x when x is NaN on x86 and ARM alike, so NaN flows through to the result.
        var xc = Vector512.MaxNative(Vector512.Create(Floor), x);
        var t = Vector512.MultiplyAddEstimate(xc, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        var n = t - Vector512.Create(RoundMagic);
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Hi), xc);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(Q0), r, Vector512.Create(Q1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(Q2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(Q3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(Q4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(Q5));
        var y = Vector512.MultiplyAddEstimate(p, r * r, Vector512.MultiplyAddEstimate(r, Vector512.Create(2f), Vector512.Create(2f)));
        return y * Vector512.ShiftLeft(t.AsInt32() + Vector512.Create(126), 23).AsSingle();
    }
}
