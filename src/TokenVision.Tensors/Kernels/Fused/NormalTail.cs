using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// The lower tail of the standard normal distribution as a product, Phi(-u) = exp(-u^2/2) S(u) for u = |x|,
/// shared by the exact GELU and its derivative: one division, one polynomial and one exp per element.
/// </summary>
/// <remarks>
/// <para>S(u) = exp(u^2/2) Phi(-u) = erfcx(u / sqrt 2) / 2 is smooth and decreases from 1/2 to about 1/(u sqrt(2 pi)).
/// With t = 1 / (1 + u/2), which maps u in [0, inf) to (0, 1], S(u) = t Q(t - T0), where Q is a degree-9 polynomial
/// fitted for least maximum relative error over u in [0, <see cref="Limit"/>] (our own fit; about 2 ulp in float,
/// including the rounding of t).</para>
/// <para>exp(-u^2/2) is exact to float rounding however large u^2/2 gets: u^2 = s + e exactly (one FMA), the
/// reduction s/2 = -n ln2 + ... is exact, and the low part e is added to the reduced argument. The polynomial is a
/// degree-6 minimax fit of e^r on |r| &lt;= ln2/2 (about 1 ulp), and 2^n is formed in the exponent bits, so the
/// result is 0 rather than subnormal below 2^-126.</para>
/// <para>u is clamped to <see cref="Limit"/> = 13.2, where x Phi(x) is already below the smallest normal float for x &lt; 0
/// and Phi(x) rounds to 1 for x &gt; 0. Callers handle NaN and infinities.</para>
/// </remarks>
internal static class NormalTail
{
    /// <summary>Largest |x| the tail is evaluated at.</summary>
    public const float Limit = 13.2f;

    // S(u) = t Q(t - T0), t = 1 / (1 + u/2); the coefficients are of -Q, so the kernels get -S.
    private const float T0 = 0.56578946f;
    private const float Q0 = -0.35821444f;
    private const float Q1 = -0.33708128f;
    private const float Q2 = -0.028798863f;
    private const float Q3 = 0.14362094f;
    private const float Q4 = -0.027118824f;
    private const float Q5 = -0.080786325f;
    private const float Q6 = 0.07286292f;
    private const float Q7 = 0.012779019f;
    private const float Q8 = -0.062630214f;
    private const float Q9 = 0.027871799f;

    // exp(-q/2) = sum c_k (-q/2)^k for q in [-ln2, ln2]: the degree-6 minimax coefficients c_k of e^r scaled by (-1/2)^k.
    private const float E1 = -0.5f;
    private const float E2 = 0.4999999f / 4;
    private const float E3 = -0.16666414f / 8;
    private const float E4 = 0.041668262f / 16;
    private const float E5 = -0.0083753f / 32;
    private const float E6 = 0.0013836236f / 64;

    // n = round(-s log2(e) / 2) by adding 1.5 * 2^23 + 127: the float's low bits then hold n + 127, the exponent field of 2^n.
    private const float HalfLog2E = 0.72134752044448170f;
    private const float Magic = 12583039f;
    // 2 ln2 in two parts; TwoLn2Hi has 9 significant bits, so n * TwoLn2Hi is exact.
    private const float TwoLn2Hi = 1.38671875f;
    private const float TwoLn2Lo = -4.2438888e-4f;

    /// <summary>Returns -S(uc) and sets uc = min(|x|, Limit) and e = exp(-uc^2 / 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Evaluate(float x, out float uc, out float e)
    {
        uc = MathF.Min(MathF.Abs(x), Limit);
        var t = 1f / MathF.FusedMultiplyAdd(uc, 0.5f, 1f);
        var v = t - T0;
        var q = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(Q9, v, Q8), v, Q7), v, Q6), v, Q5), v, Q4), v, Q3), v, Q2), v, Q1), v, Q0);
        var s = uc * uc;
        var lo = MathF.FusedMultiplyAdd(uc, uc, -s);
        var nb = MathF.FusedMultiplyAdd(s, -HalfLog2E, Magic);
        var n = nb - Magic;
        var r = MathF.FusedMultiplyAdd(n, TwoLn2Hi, s);
        r = MathF.FusedMultiplyAdd(n, TwoLn2Lo, r) + lo;
        var p = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(E6, r, E5), r, E4), r, E3), r, E2), r, E1), r, 1f);
        e = p * BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(nb) << 23);
        return t * q;
    }

    /// <summary>Returns -S(uc) and sets uc = min(|x|, Limit) and e = exp(-uc^2 / 2), lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Evaluate(Vector128<float> x, out Vector128<float> uc, out Vector128<float> e)
    {
        uc = Vector128.MinNative(Vector128.Abs(x), Vector128.Create(Limit));
        var t = Vector128.Create(1f) / Vector128.FusedMultiplyAdd(uc, Vector128.Create(0.5f), Vector128.Create(1f));
        var v = t - Vector128.Create(T0);
        var q = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(Q9), v, Vector128.Create(Q8)), v, Vector128.Create(Q7)), v, Vector128.Create(Q6)), v, Vector128.Create(Q5)), v, Vector128.Create(Q4)), v, Vector128.Create(Q3)), v, Vector128.Create(Q2)), v, Vector128.Create(Q1)), v, Vector128.Create(Q0));
        var s = uc * uc;
        var lo = Vector128.FusedMultiplyAdd(uc, uc, -s);
        var nb = Vector128.FusedMultiplyAdd(s, Vector128.Create(-HalfLog2E), Vector128.Create(Magic));
        var n = nb - Vector128.Create(Magic);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(TwoLn2Hi), s);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(TwoLn2Lo), r) + lo;
        var p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(E6), r, Vector128.Create(E5)), r, Vector128.Create(E4)), r, Vector128.Create(E3)), r, Vector128.Create(E2)), r, Vector128.Create(E1)), r, Vector128.Create(1f));
        e = p * (nb.AsInt32() << 23).AsSingle();
        return t * q;
    }

    /// <summary>Returns -S(uc) and sets uc = min(|x|, Limit) and e = exp(-uc^2 / 2), lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Evaluate(Vector256<float> x, out Vector256<float> uc, out Vector256<float> e)
    {
        uc = Vector256.MinNative(Vector256.Abs(x), Vector256.Create(Limit));
        var t = Vector256.Create(1f) / Vector256.FusedMultiplyAdd(uc, Vector256.Create(0.5f), Vector256.Create(1f));
        var v = t - Vector256.Create(T0);
        var q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(Q9), v, Vector256.Create(Q8)), v, Vector256.Create(Q7)), v, Vector256.Create(Q6)), v, Vector256.Create(Q5)), v, Vector256.Create(Q4)), v, Vector256.Create(Q3)), v, Vector256.Create(Q2)), v, Vector256.Create(Q1)), v, Vector256.Create(Q0));
        var s = uc * uc;
        var lo = Vector256.FusedMultiplyAdd(uc, uc, -s);
        var nb = Vector256.FusedMultiplyAdd(s, Vector256.Create(-HalfLog2E), Vector256.Create(Magic));
        var n = nb - Vector256.Create(Magic);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(TwoLn2Hi), s);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(TwoLn2Lo), r) + lo;
        var p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(E6), r, Vector256.Create(E5)), r, Vector256.Create(E4)), r, Vector256.Create(E3)), r, Vector256.Create(E2)), r, Vector256.Create(E1)), r, Vector256.Create(1f));
        e = p * (nb.AsInt32() << 23).AsSingle();
        return t * q;
    }

    /// <summary>Returns -S(uc) and sets uc = min(|x|, Limit) and e = exp(-uc^2 / 2), lane-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Evaluate(Vector512<float> x, out Vector512<float> uc, out Vector512<float> e)
    {
        uc = Vector512.MinNative(Vector512.Abs(x), Vector512.Create(Limit));
        var d = Vector512.FusedMultiplyAdd(uc, Vector512.Create(0.5f), Vector512.Create(1f));
        Vector512<float> t;
        if (Avx512F.IsSupported)
        {
            // A 14-bit reciprocal estimate and one Newton step (within an ulp) cost less than vdivps.
            var t14 = Avx512F.Reciprocal14(d);
            t = Vector512.FusedMultiplyAdd(t14, Vector512.FusedMultiplyAdd(-d, t14, Vector512.Create(1f)), t14);
        }
        else
        {
            t = Vector512.Create(1f) / d;
        }
        var v = t - Vector512.Create(T0);
        var q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(Q9), v, Vector512.Create(Q8)), v, Vector512.Create(Q7)), v, Vector512.Create(Q6)), v, Vector512.Create(Q5)), v, Vector512.Create(Q4)), v, Vector512.Create(Q3)), v, Vector512.Create(Q2)), v, Vector512.Create(Q1)), v, Vector512.Create(Q0));
        var s = uc * uc;
        var lo = Vector512.FusedMultiplyAdd(uc, uc, -s);
        var nb = Vector512.FusedMultiplyAdd(s, Vector512.Create(-HalfLog2E), Vector512.Create(Magic));
        var n = nb - Vector512.Create(Magic);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(TwoLn2Hi), s);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(TwoLn2Lo), r) + lo;
        var p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(E6), r, Vector512.Create(E5)), r, Vector512.Create(E4)), r, Vector512.Create(E3)), r, Vector512.Create(E2)), r, Vector512.Create(E1)), r, Vector512.Create(1f));
        e = p * (nb.AsInt32() << 23).AsSingle();
        return t * q;
    }
}
