using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Phi(x) and the exact GELU derivative Phi(x) + x phi(x) as piecewise quintics selected per lane with a
/// two-table permute (AVX-512 only): no division and no exp, 15 vector arithmetic instructions per 16 floats for GELU.
/// </summary>
/// <remarks>
/// <para>x is clamped to |x| &lt;= <see cref="Clamp"/> (sign kept) and cut into 32 intervals of width 1/<see cref="Scale"/>
/// = 0.4, interval n centred on (n - 16) / 2.5. On interval n the function is c0[n] + t (c1[n] + ... + t c5[n]) with
/// t = 2.5 x + 16 - n in [-1/2, 1/2]; each coefficient is one vpermi2ps over two 16-entry tables, indexed by the
/// low five bits of round(2.5 x + 16) as formed by adding 1.5 * 2^23.</para>
/// <para>The coefficients are our own minimax fits (Remez exchange on the absolute error, in 40-digit
/// arithmetic, then rounded to float). Maximum absolute error including float evaluation, over [-7, 7] in steps of
/// 1e-4: Phi 6.9e-8, the derivative 1.6e-7. Below x = -5.8 both are exactly 0, above 5.4 (Phi) and 5.8 (the derivative)
/// exactly 1: x Phi(x) is then below 1e-7 in magnitude, or rounds to within an ulp of x, and the derivative is
/// within 1.2e-7 of its limit. So x Phi(x) is within 2 ulp or 1e-7 absolute everywhere, but unlike
/// <see cref="NormalTail"/> not within a few ulp of itself in the lower tail (it is -0 below -5.8).</para>
/// <para>Special values: +-inf clamp to the constant end intervals, so Phi(+inf) = 1 and Phi(-inf) = 0; GELU is
/// then x Phi(x) (NaN at -inf and for NaN). The derivative clamps with minps/maxps first so that NaN propagates.</para>
/// </remarks>
internal static class NormalTable
{
    /// <summary>Whether the table forms can run (AVX-512 F and DQ).</summary>
    public static bool IsSupported => Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>Largest |x| looked up; beyond it the end intervals (constant 0 or 1) apply.</summary>
    public const float Clamp = 6.19f;

    /// <summary>Intervals per unit of x.</summary>
    public const float Scale = 2.5f;

    // 1.5 * 2^23 + 16: adding it rounds 2.5 x + 16 to an integer n in [1, 31] held in the low mantissa bits.
    private const float Magic = 12582928f;

    /// <summary>Phi(x), lane-wise (<see cref="IsSupported"/> must hold); Phi(NaN) is a number, x Phi(x) is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Phi(Vector512<float> x)
    {
        // vrangeps, smaller magnitude with the sign of x: a one-instruction clamp to [-Clamp, Clamp].
        var t = Reduce(Avx512DQ.Range(x, Vector512.Create(Clamp), 0b0010), out var n);
        var p = Avx512F.PermuteVar16x32x2(Phi5Lo, n, Phi5Hi);
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Phi4Lo, n, Phi4Hi));
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Phi3Lo, n, Phi3Hi));
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Phi2Lo, n, Phi2Hi));
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Phi1Lo, n, Phi1Hi));
        return Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Phi0Lo, n, Phi0Hi));
    }

    /// <summary>Phi(x) + x phi(x), the derivative of x Phi(x), lane-wise (<see cref="IsSupported"/> must hold).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluGrad(Vector512<float> x)
    {
        // vrangeps returns the bound for a NaN; minps and maxps return their second operand, so NaN reaches t here.
        var xc = Vector512.MaxNative(Vector512.Create(-Clamp), Vector512.MinNative(Vector512.Create(Clamp), x));
        var t = Reduce(xc, out var n);
        var p = Avx512F.PermuteVar16x32x2(Grad5Lo, n, Grad5Hi);
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Grad4Lo, n, Grad4Hi));
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Grad3Lo, n, Grad3Hi));
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Grad2Lo, n, Grad2Hi));
        p = Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Grad1Lo, n, Grad1Hi));
        return Vector512.FusedMultiplyAdd(p, t, Avx512F.PermuteVar16x32x2(Grad0Lo, n, Grad0Hi));
    }

    // t = 2.5 xc + 16 - n in [-1/2, 1/2] and the interval index n (low five bits) for xc already clamped to |xc| <= Clamp.
    // (vrangeps returns the bound for a NaN, so Phi(NaN) is a number; x Phi(x) is still NaN.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduce(Vector512<float> xc, out Vector512<int> n)
    {
        var k = Vector512.FusedMultiplyAdd(xc, Vector512.Create(Scale), Vector512.Create(Magic));
        n = k.AsInt32();
        // Both steps are exact: k - Magic = n - 16 is a small integer and the FMA rounds only t.
        return Vector512.FusedMultiplyAdd(xc, Vector512.Create(Scale), Vector512.Create(Magic) - k);
    }

    // Coefficient k of interval n is PhiK{Lo,Hi}[n mod 16], Lo for n < 16. Printed by NormalTable.fit.py (next to this
    // file, which also reports the worst error of the float evaluation); do not edit by hand.
    private static Vector512<float> Phi0Lo => Vector512.Create(0f, 0f, 1.07182645e-08f, 9.964801e-08f, 7.93345e-07f, 5.412604e-06f, 3.1671407e-05f, 0.00015910891f, 0.0006871383f, 0.0025551303f, 0.008197535f, 0.02275013f, 0.05479929f, 0.11506967f, 0.21185541f, 0.34457827f);
    private static Vector512<float> Phi0Hi => Vector512.Create(0.5f, 0.65542173f, 0.7881446f, 0.8849303f, 0.9452007f, 0.97724986f, 0.99180245f, 0.99744487f, 0.9993129f, 0.9998409f, 0.99996835f, 0.9999946f, 0.9999992f, 0.9999999f, 1.0f, 1.0f);
    private static Vector512<float> Phi1Lo => Vector512.Create(0f, 0f, 2.4731532e-08f, 2.144466e-07f, 1.5845397e-06f, 9.977048e-06f, 5.3532214e-05f, 0.00024476091f, 0.00095363514f, 0.0031661799f, 0.008957811f, 0.021596385f, 0.044368334f, 0.077674426f, 0.11587662f, 0.14730805f);
    private static Vector512<float> Phi1Hi => Vector512.Create(0.15957691f, 0.14730805f, 0.11587662f, 0.077674426f, 0.044368334f, 0.021596385f, 0.008957811f, 0.0031661799f, 0.00095363514f, 0.00024476091f, 5.3532214e-05f, 9.977048e-06f, 1.5845397e-06f, 2.144466e-07f, 0f, 0f);
    private static Vector512<float> Phi2Lo => Vector512.Create(0f, 0f, 2.7649696e-08f, 2.2274943e-07f, 1.5199251e-06f, 8.775412e-06f, 4.2813757e-05f, 0.0001762043f, 0.0006103002f, 0.00177307f, 0.004299851f, 0.008638748f, 0.014198009f, 0.018641736f, 0.018539844f, 0.011784252f);
    private static Vector512<float> Phi2Hi => Vector512.Create(0f, -0.011784252f, -0.018539844f, -0.018641736f, -0.014198009f, -0.008638748f, -0.004299851f, -0.00177307f, -0.0006103002f, -0.0001762043f, -4.2813757e-05f, -8.775412e-06f, -1.5199251e-06f, -2.2274943e-07f, 0f, 0f);
    private static Vector512<float> Phi3Lo => Vector512.Create(0f, 0f, 1.9995241e-08f, 1.4877698e-07f, 9.30765e-07f, 4.8832285e-06f, 2.140974e-05f, 7.8059085e-05f, 0.00023497887f, 0.0005775306f, 0.0011370784f, 0.0017277249f, 0.0018456728f, 0.00091127923f, -0.0011124702f, -0.0032996284f);
    private static Vector512<float> Phi3Hi => Vector512.Create(-0.004255316f, -0.0032996284f, -0.0011124702f, 0.00091127923f, 0.0018456728f, 0.0017277249f, 0.0011370784f, 0.0005775306f, 0.00023497887f, 7.8059085e-05f, 2.140974e-05f, 4.8832285e-06f, 9.30765e-07f, 1.4877698e-07f, 0f, 0f);
    private static Vector512<float> Phi4Lo => Vector512.Create(0f, 0f, 1.0987656e-08f, 7.434976e-08f, 4.1935766e-07f, 1.9613456e-06f, 7.550149e-06f, 2.3653412e-05f, 5.9198755e-05f, 0.000114327355f, 0.00015715015f, 0.00011311603f, -8.4811734e-05f, -0.00038642125f, -0.0005789656f, -0.00044205046f);
    private static Vector512<float> Phi4Hi => Vector512.Create(0f, 0.00044205046f, 0.0005789656f, 0.00038642125f, 8.4811734e-05f, -0.00011311603f, -0.00015715015f, -0.000114327355f, -5.9198755e-05f, -2.3653412e-05f, -7.550149e-06f, -1.9613456e-06f, -4.1935766e-07f, -7.434976e-08f, 0f, 0f);
    private static Vector512<float> Phi5Lo => Vector512.Create(0f, 0f, 4.389751e-09f, 2.7044468e-08f, 1.3715336e-07f, 5.67027e-07f, 1.882359e-06f, 4.8887746e-06f, 9.422286e-06f, 1.1639267e-05f, 2.8653533e-06f, -2.3130897e-05f, -5.4622797e-05f, -5.8417092e-05f, -1.02703e-05f, 6.442578e-05f);
    private static Vector512<float> Phi5Hi => Vector512.Create(0.00010140291f, 6.442578e-05f, -1.02703e-05f, -5.8417092e-05f, -5.4622797e-05f, -2.3130897e-05f, 2.8653533e-06f, 1.1639267e-05f, 9.422286e-06f, 4.8887746e-06f, 1.882359e-06f, 5.67027e-07f, 1.3715336e-07f, 2.7044468e-08f, 0f, 0f);

    private static Vector512<float> Grad0Lo => Vector512.Create(0f, 0f, -3.3552158e-07f, -2.6881464e-06f, -1.8221072e-05f, -0.00010433467f, -0.00050364994f, -0.0020437373f, -0.0069419406f, -0.019608129f, -0.045549337f, -0.08523182f, -0.12267407f, -0.1179536f, -0.01989781f, 0.19727024f);
    private static Vector512<float> Grad0Hi => Vector512.Create(0.5f, 0.8027298f, 1.0198978f, 1.1179535f, 1.1226741f, 1.0852318f, 1.0455494f, 1.0196081f, 1.0069419f, 1.0020437f, 1.0005037f, 1.0001043f, 1.0000182f, 1.0000027f, 1.0000004f, 1.0f);
    private static Vector512<float> Grad1Lo => Vector512.Create(0f, 0f, -7.261036e-07f, -5.3696713e-06f, -3.3338427e-05f, -0.00017320065f, -0.0007494489f, -0.0026825762f, -0.007857952f, -0.018490495f, -0.033681374f, -0.043192785f, -0.024846263f, 0.04349768f, 0.15759224f, 0.27104682f);
    private static Vector512<float> Grad1Hi => Vector512.Create(0.31915382f, 0.27104682f, 0.15759224f, 0.04349768f, -0.024846263f, -0.043192785f, -0.033681374f, -0.018490495f, -0.007857952f, -0.0026825762f, -0.0007494489f, -0.00017320065f, -3.3338427e-05f, -5.3696713e-06f, -7.261036e-07f, 0f);
    private static Vector512<float> Grad2Lo => Vector512.Create(0f, 0f, -7.569289e-07f, -5.1346024e-06f, -2.8950722e-05f, -0.00013483255f, -0.000513889f, -0.0015790667f, -0.0038087051f, -0.006808944f, -0.007567516f, 1.1187916e-06f, 0.02044658f, 0.047723293f, 0.062292736f, 0.045250054f);
    private static Vector512<float> Grad2Hi => Vector512.Create(0f, -0.045250054f, -0.062292736f, -0.047723293f, -0.02044658f, -1.1187916e-06f, 0.007567516f, 0.006808944f, 0.0038087051f, 0.0015790667f, 0.000513889f, 0.00013483255f, 2.8950722e-05f, 5.1346024e-06f, 7.569289e-07f, 0f);
    private static Vector512<float> Grad3Lo => Vector512.Create(0f, 0f, -5.0601193e-07f, -3.120116e-06f, -1.578099e-05f, -6.4724714e-05f, -0.00021128303f, -0.00053030485f, -0.00094550435f, -0.0008937364f, 0.00075075956f, 0.004607564f, 0.00871549f, 0.008298163f, 0.00021689788f, -0.011413369f);
    private static Vector512<float> Grad3Hi => Vector512.Create(-0.017020995f, -0.011413369f, 0.00021689788f, 0.008298163f, 0.00871549f, 0.004607564f, 0.00075075956f, -0.0008937364f, -0.00094550435f, -0.00053030485f, -0.00021128303f, -6.4724714e-05f, -1.578099e-05f, -3.120116e-06f, -5.0601193e-07f, 0f);
    private static Vector512<float> Grad4Lo => Vector512.Create(0f, 0f, -2.519294e-07f, -1.383217e-06f, -6.1166397e-06f, -2.1314494e-05f, -5.6164292e-05f, -0.000101278376f, -8.02939e-05f, 0.00016431525f, 0.00069796294f, 0.0011398586f, 0.0006650479f, -0.0010536935f, -0.0027834831f, -0.0025239158f);
    private static Vector512<float> Grad4Hi => Vector512.Create(0f, 0.0025239158f, 0.0027834831f, 0.0010536935f, -0.0006650479f, -0.0011398586f, -0.00069796294f, -0.00016431525f, 8.02939e-05f, 0.000101278376f, 5.6164292e-05f, 2.1314494e-05f, 6.1166397e-06f, 1.383217e-06f, 2.519294e-07f, 0f);
    private static Vector512<float> Grad5Lo => Vector512.Create(0f, 0f, -9.087269e-08f, -4.4145364e-07f, -1.6774849e-06f, -4.765526e-06f, -9.048005e-06f, -6.609912e-06f, 2.0749294e-05f, 8.072096e-05f, 0.000120995275f, 2.5381529e-05f, -0.00023098521f, -0.0004144828f, -0.00020204525f, 0.00031892295f);
    private static Vector512<float> Grad5Hi => Vector512.Create(0.00060697115f, 0.00031892295f, -0.00020204525f, -0.0004144828f, -0.00023098521f, 2.5381529e-05f, 0.000120995275f, 8.072096e-05f, 2.0749294e-05f, -6.609912e-06f, -9.048005e-06f, -4.765526e-06f, -1.6774849e-06f, -4.4145364e-07f, -9.087269e-08f, 0f);
}
