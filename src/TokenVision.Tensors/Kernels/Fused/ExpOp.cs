using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>exp(x) in float: the vector forms use a Cody-Waite reduction and a degree-7 polynomial (about 1 ulp); the scalar form is MathF.Exp.</summary>
/// <remarks>x = n ln 2 + r with |r| &lt;= ln2 / 2, exp(r) = 1 + r + r^2 P(r), scaled by 2^n through the exponent bits. Results below 2^-126 flush to 0, above float range give +inf, NaN stays NaN.</remarks>
internal readonly struct ExpOp : IUnaryOp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float MinInput = -87.33654f;
    private const float MaxInput = 88.72283f;
    private const float Overflow = 88.72283f;

    // Minimax coefficients of (exp(r) - 1 - r) / r^2 on [-ln2/2, ln2/2] (as in Cephes expf).
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    // Degree-6 minimax polynomial of e^r on |r| <= ln2/2 (our own fit, about 1 ulp), for the clamped forms below.
    private const float F2 = 0.4999999f;
    private const float F3 = 0.16666414f;
    private const float F4 = 0.041668262f;
    private const float F5 = 0.0083753f;
    private const float F6 = 0.0013836236f;

    // Adding 1.5 * 2^23 + 127 rounds to an integer n and leaves n + 127 in the low bits: shifted left by 23 they are
    // the exponent field of 2^n (0 for n = -127, +inf for n = 128).
    private const float RoundMagic = 12583039f;
    private const float ClampLow = -88f;
    private const float ClampHigh = 89f;

    // AVX-512 clamps: below -104 the result is 0 and above 89 +inf, which vscalefps produces by itself.
    private const float ScaleMin = -104f;
    private const float ScaleMax = 89f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        return MathF.Exp(x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var c = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(MinInput)), Vector128.Create(MaxInput));
        var n = Vector128.Round(c * Vector128.Create(Log2E));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), c);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1)), r, Vector128.Create(P2)), r, Vector128.Create(P3)), r, Vector128.Create(P4)), r, Vector128.Create(P5));
        var e = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128.Create(1f);
        // 2^n as two factors so n = 128 (x near the overflow bound) and n = -126 stay representable.
        var ni = Vector128.ConvertToInt32Native(n);
        var half = ni >> 1;
        var y = e * ((half + Vector128.Create(127)) << 23).AsSingle() * ((ni - half + Vector128.Create(127)) << 23).AsSingle();
        y = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(MinInput)), Vector128.Create(0f), y);
        y = Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(Overflow)), Vector128.Create(float.PositiveInfinity), y);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y, x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var c = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(MinInput)), Vector256.Create(MaxInput));
        var n = Vector256.Round(c * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), c);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1)), r, Vector256.Create(P2)), r, Vector256.Create(P3)), r, Vector256.Create(P4)), r, Vector256.Create(P5));
        var e = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256.Create(1f);
        // 2^n as two factors so n = 128 (x near the overflow bound) and n = -126 stay representable.
        var ni = Vector256.ConvertToInt32Native(n);
        var half = ni >> 1;
        var y = e * ((half + Vector256.Create(127)) << 23).AsSingle() * ((ni - half + Vector256.Create(127)) << 23).AsSingle();
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(MinInput)), Vector256.Create(0f), y);
        y = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(Overflow)), Vector256.Create(float.PositiveInfinity), y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        if (Avx512F.IsSupported)
        {
            // vscalefps computes e * 2^n with correct overflow and underflow, replacing the exponent arithmetic.
            var cs = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(ScaleMin)), Vector512.Create(ScaleMax));
            var ns = Vector512.Round(cs * Vector512.Create(Log2E));
            var rs = Vector512.FusedMultiplyAdd(ns, Vector512.Create(-Ln2Hi), cs);
            rs = Vector512.FusedMultiplyAdd(ns, Vector512.Create(-Ln2Lo), rs);
            var ps = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(P0), rs, Vector512.Create(P1)), rs, Vector512.Create(P2)), rs, Vector512.Create(P3)), rs, Vector512.Create(P4)), rs, Vector512.Create(P5));
            var es = Vector512.FusedMultiplyAdd(ps, rs * rs, rs) + Vector512.Create(1f);
            return Vector512.ConditionalSelect(Vector512.Equals(x, x), Avx512F.Scale(es, ns), x);
        }

        var c = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(MinInput)), Vector512.Create(MaxInput));
        var n = Vector512.Round(c * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1)), r, Vector512.Create(P2)), r, Vector512.Create(P3)), r, Vector512.Create(P4)), r, Vector512.Create(P5));
        var e = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512.Create(1f);
        // 2^n as two factors so n = 128 (x near the overflow bound) and n = -126 stay representable.
        var ni = Vector512.ConvertToInt32Native(n);
        var half = ni >> 1;
        var y = e * ((half + Vector512.Create(127)) << 23).AsSingle() * ((ni - half + Vector512.Create(127)) << 23).AsSingle();
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(MinInput)), Vector512.Create(0f), y);
        y = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(Overflow)), Vector512.Create(float.PositiveInfinity), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    /// <summary>
    /// exp(x) for finite x in [-87, 0] (callers guarantee it): the vector form without the range clamps and the
    /// NaN pass-through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> InvokeBounded(Vector128<float> x)
    {
        var n = Vector128.Round(x * Vector128.Create(Log2E));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), x);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1)), r, Vector128.Create(P2)), r, Vector128.Create(P3)), r, Vector128.Create(P4)), r, Vector128.Create(P5));
        var e = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128.Create(1f);
        return e * ((Vector128.ConvertToInt32Native(n) + Vector128.Create(127)) << 23).AsSingle();
    }

    /// <summary>
    /// exp(x) for finite x in [-87, 0] (callers guarantee it): the vector form without the range clamps and the
    /// NaN pass-through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> InvokeBounded(Vector256<float> x)
    {
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1)), r, Vector256.Create(P2)), r, Vector256.Create(P3)), r, Vector256.Create(P4)), r, Vector256.Create(P5));
        var e = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256.Create(1f);
        return e * ((Vector256.ConvertToInt32Native(n) + Vector256.Create(127)) << 23).AsSingle();
    }

    /// <summary>
    /// exp(x) for finite x in [-87, 0] (callers guarantee it): the vector form without the range clamps and the
    /// NaN pass-through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> InvokeBounded(Vector512<float> x)
    {
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1)), r, Vector512.Create(P2)), r, Vector512.Create(P3)), r, Vector512.Create(P4)), r, Vector512.Create(P5));
        var e = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512.Create(1f);
        if (Avx512F.IsSupported)
            return Avx512F.Scale(e, n);
        return e * ((Vector512.ConvertToInt32Native(n) + Vector512.Create(127)) << 23).AsSingle();
    }

    /// <summary>Scalar form of the clamped vector forms (the same arithmetic, so tails match the vector body).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float InvokeClamped(float x)
    {
        var c = MathF.Min(MathF.Max(x, ClampLow), ClampHigh);
        var nb = MathF.FusedMultiplyAdd(c, Log2E, RoundMagic);
        var n = nb - RoundMagic;
        var r = MathF.FusedMultiplyAdd(n, -Ln2Hi, c);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        var p = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(F6, r, F5), r, F4), r, F3), r, F2), r, 1f), r, 1f);
        return p * BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(nb) << 23);
    }

    /// <summary>
    /// e^x for x &lt;= 0 without NaN propagation (callers check for NaN themselves): about 1 ulp, 0 below about -87.7
    /// (subnormal results flush to 0), one rounding step fewer and one polynomial term fewer than <see cref="Invoke(Vector128{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> InvokeNonPositive(Vector128<float> x) => Reduced(Vector128.MaxNative(x, Vector128.Create(ClampLow)));

    /// <summary>
    /// e^x with x clamped to [-88, 89] and no NaN propagation: about 1 ulp, 0 below about -87.7, +inf above about 88.4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> InvokeClamped(Vector128<float> x) =>
        Reduced(Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(ClampLow)), Vector128.Create(ClampHigh)));

    // e^x for x in [-88, 89]: x = n ln2 + r by an exact Cody-Waite step, e^r by the degree-6 polynomial, 2^n in the exponent bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduced(Vector128<float> x)
    {
        var nb = Vector128.FusedMultiplyAdd(x, Vector128.Create(Log2E), Vector128.Create(RoundMagic));
        var n = nb - Vector128.Create(RoundMagic);
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), x);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(F6), r, Vector128.Create(F5)), r, Vector128.Create(F4)), r, Vector128.Create(F3)), r, Vector128.Create(F2)), r, Vector128.Create(1f)), r, Vector128.Create(1f));
        return p * (nb.AsInt32() << 23).AsSingle();
    }

    /// <summary>
    /// e^x for x &lt;= 0 without NaN propagation (callers check for NaN themselves): about 1 ulp, 0 below about -87.7
    /// (subnormal results flush to 0), one rounding step fewer and one polynomial term fewer than <see cref="Invoke(Vector256{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> InvokeNonPositive(Vector256<float> x) => Reduced(Vector256.MaxNative(x, Vector256.Create(ClampLow)));

    /// <summary>
    /// e^x with x clamped to [-88, 89] and no NaN propagation: about 1 ulp, 0 below about -87.7, +inf above about 88.4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> InvokeClamped(Vector256<float> x) =>
        Reduced(Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(ClampLow)), Vector256.Create(ClampHigh)));

    // e^x for x in [-88, 89]: x = n ln2 + r by an exact Cody-Waite step, e^r by the degree-6 polynomial, 2^n in the exponent bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reduced(Vector256<float> x)
    {
        var nb = Vector256.FusedMultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        var n = nb - Vector256.Create(RoundMagic);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(F6), r, Vector256.Create(F5)), r, Vector256.Create(F4)), r, Vector256.Create(F3)), r, Vector256.Create(F2)), r, Vector256.Create(1f)), r, Vector256.Create(1f));
        return p * (nb.AsInt32() << 23).AsSingle();
    }

    /// <summary>
    /// e^x for x &lt;= 0 without NaN propagation (callers check for NaN themselves): about 1 ulp, 0 below about -87.7
    /// (subnormal results flush to 0), one rounding step fewer and one polynomial term fewer than <see cref="Invoke(Vector512{float})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> InvokeNonPositive(Vector512<float> x) => Reduced(Vector512.MaxNative(x, Vector512.Create(ClampLow)));

    /// <summary>
    /// e^x with x clamped to [-88, 89] and no NaN propagation: about 1 ulp, 0 below about -87.7, +inf above about 88.4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> InvokeClamped(Vector512<float> x) =>
        Reduced(Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(ClampLow)), Vector512.Create(ClampHigh)));

    // e^x for x in [-88, 89]: x = n ln2 + r by an exact Cody-Waite step, e^r by the degree-6 polynomial, 2^n in the exponent bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduced(Vector512<float> x)
    {
        var nb = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        var n = nb - Vector512.Create(RoundMagic);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(F6), r, Vector512.Create(F5)), r, Vector512.Create(F4)), r, Vector512.Create(F3)), r, Vector512.Create(F2)), r, Vector512.Create(1f)), r, Vector512.Create(1f));
        return p * (nb.AsInt32() << 23).AsSingle();
    }
}
