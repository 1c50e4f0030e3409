using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>The error function erf(x) in float, accurate to about 1 ulp (max relative error below 1e-7).</summary>
/// <remarks>Two ranges: a polynomial in x^2 near zero and 1 - exp(G(x) - x^2) beyond 0.875; at |x| &gt;= 3.925 erf rounds to +-1 in float.</remarks>
internal readonly struct ErfOp : IUnaryOp
{
    // |x| < 0.875: erf(x) = c0 x + x^3 Q(x^2), c0 = 2/sqrt(pi) split into hi + lo so the leading term rounds once.
    private const float C0Hi = 1.128379225730896f;
    private const float C0Lo = -5.8635382771399236e-08f;
    private const float Q0 = -0.37612637877464294f;
    private const float Q1 = 0.11283744871616364f;
    private const float Q2 = -0.02686215564608574f;
    private const float Q3 = 0.005208033137023449f;
    private const float Q4 = -0.0008224843186326325f;
    private const float Q5 = 8.731501293368638e-05f;

    // 0.875 <= |x| < 3.925: erf(x) = 1 - exp(G(x) - x^2), G(x) = log(erfc(x)) + x^2 fitted by a degree-8 polynomial.
    private const float G0 = 0.00030241720378398895f;
    private const float G1 = -1.1301664113998413f;
    private const float G2 = 0.3680676817893982f;
    private const float G3 = -0.10998784750699997f;
    private const float G4 = 0.0263731200248003f;
    private const float G5 = -0.0047442237846553326f;
    private const float G6 = 0.0005938464892096817f;
    private const float G7 = -4.574465856421739e-05f;
    private const float G8 = 1.6231698509727721e-06f;

    private const float Split = 0.875f;
    private const float Saturate = 3.925f;

    /// <summary>Scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x)
    {
        var a = MathF.Abs(x);
        float r;
        if (a < Split)
        {
            var t = a * a;
            var q = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(Q5, t, Q4), t, Q3), t, Q2), t, Q1), t, Q0);
            r = MathF.FusedMultiplyAdd(a, C0Hi, MathF.FusedMultiplyAdd(a * t, q, a * C0Lo));
        }
        else
        {
            var s = MathF.Min(a, Saturate);
            var g = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(G8, s, G7), s, G6), s, G5), s, G4), s, G3), s, G2), s, G1), s, G0);
            r = 1f - MathF.Exp(g - s * s);
        }
        return float.IsNaN(x) ? x : MathF.CopySign(r, x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var t = a * a;
        var q = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(Q5), t, Vector128.Create(Q4)), t, Vector128.Create(Q3)), t, Vector128.Create(Q2)), t, Vector128.Create(Q1)), t, Vector128.Create(Q0));
        var small = Vector128.FusedMultiplyAdd(a, Vector128.Create(C0Hi), Vector128.FusedMultiplyAdd(a * t, q, a * Vector128.Create(C0Lo)));
        var s = Vector128.MinNative(a, Vector128.Create(Saturate));
        var g = Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.FusedMultiplyAdd(Vector128.Create(G8), s, Vector128.Create(G7)), s, Vector128.Create(G6)), s, Vector128.Create(G5)), s, Vector128.Create(G4)), s, Vector128.Create(G3)), s, Vector128.Create(G2)), s, Vector128.Create(G1)), s, Vector128.Create(G0));
        var large = Vector128.Create(1f) - ExpOp.InvokeBounded(g - s * s);
        var r = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(Split)), small, large);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), Vector128.CopySign(r, x), x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var t = a * a;
        var q = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(Q5), t, Vector256.Create(Q4)), t, Vector256.Create(Q3)), t, Vector256.Create(Q2)), t, Vector256.Create(Q1)), t, Vector256.Create(Q0));
        var small = Vector256.FusedMultiplyAdd(a, Vector256.Create(C0Hi), Vector256.FusedMultiplyAdd(a * t, q, a * Vector256.Create(C0Lo)));
        var s = Vector256.MinNative(a, Vector256.Create(Saturate));
        var g = Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.FusedMultiplyAdd(Vector256.Create(G8), s, Vector256.Create(G7)), s, Vector256.Create(G6)), s, Vector256.Create(G5)), s, Vector256.Create(G4)), s, Vector256.Create(G3)), s, Vector256.Create(G2)), s, Vector256.Create(G1)), s, Vector256.Create(G0));
        var large = Vector256.Create(1f) - ExpOp.InvokeBounded(g - s * s);
        var r = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(Split)), small, large);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), Vector256.CopySign(r, x), x);
    }

    /// <summary>Vector form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var t = a * a;
        var q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(Q5), t, Vector512.Create(Q4)), t, Vector512.Create(Q3)), t, Vector512.Create(Q2)), t, Vector512.Create(Q1)), t, Vector512.Create(Q0));
        var small = Vector512.FusedMultiplyAdd(a, Vector512.Create(C0Hi), Vector512.FusedMultiplyAdd(a * t, q, a * Vector512.Create(C0Lo)));
        var s = Vector512.MinNative(a, Vector512.Create(Saturate));
        var g = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(G8), s, Vector512.Create(G7)), s, Vector512.Create(G6)), s, Vector512.Create(G5)), s, Vector512.Create(G4)), s, Vector512.Create(G3)), s, Vector512.Create(G2)), s, Vector512.Create(G1)), s, Vector512.Create(G0));
        var large = Vector512.Create(1f) - ExpOp.InvokeBounded(g - s * s);
        var r = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(Split)), small, large);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), Vector512.CopySign(r, x), x);
    }
}
