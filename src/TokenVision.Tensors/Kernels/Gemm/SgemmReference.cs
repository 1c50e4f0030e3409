using System.Runtime.CompilerServices;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Scalar reference SGEMM: one dot product per element, accumulated in float with fused multiply-adds in
/// increasing depth order, then the same epilogue as the fast paths. Tests check it against a double-precision
/// triple loop and the fast paths against it.
/// </summary>
internal static unsafe class SgemmReference
{
    /// <summary>Computes rows [m0, m1) of C (all columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmProblem p, int m0, int m1)
    {
        for (var i = m0; i < m1; i++)
        {
            var c = p.C + (nint)i * p.Ldc;
            for (var j = 0; j < p.N; j++)
            {
                var acc = 0f;
                for (var q = 0; q < p.K; q++)
                    acc = MathF.FusedMultiplyAdd(p.ElementA(i, q), p.ElementB(q, j), acc);
                var v = p.Alpha * acc;
                if (p.Beta != 0f)
                    v = MathF.FusedMultiplyAdd(c[j], p.Beta, v);
                if (p.Bias != null)
                    v += p.Bias[j];
                c[j] = Activate(v, p.Activation);
            }
        }
    }

    /// <summary>Scalar activation.</summary>
    public static float Activate(float v, ActivationKind activation) => activation switch
    {
        ActivationKind.Relu => ReluOp.Invoke(v),
        ActivationKind.GeluErf => GeluErfOp.Invoke(v),
        ActivationKind.GeluTanh => GeluTanhOp.Invoke(v),
        _ => v,
    };
}
