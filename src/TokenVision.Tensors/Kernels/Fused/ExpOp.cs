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
}
