using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;
using Xunit;
using Xunit.Sdk;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>
/// Finite-difference check of the whole fused op in float32: loss = Σ W ∘ O for a fixed random W (so dO = W), and for
/// each input X ∈ {Q, K, V, bias} and a few random directions U, the central difference
/// (loss(X + εU) − loss(X − εU)) / 2ε is compared with ⟨∂loss/∂X, U⟩ from the fused backward.
/// </summary>
/// <remarks>
/// With ε = 1e-2 and unit-scale inputs, float32 rounding in the loss contributes about 1e-6 / 2ε = 5e-5 and the
/// O(ε²) truncation about 1e-4, while the directional derivatives are of order 1–10: measured relative errors stay
/// below 3e-4. The tolerance is 2e-3 relative (plus 2e-4 absolute), and every check also asserts that a gradient 1%
/// off — as a missing scale factor, a dropped batch term of the dBias reduction or a rescaling slip would make it —
/// lands outside the tolerance, so the check cannot pass a wrong gradient of that size.
/// </remarks>
public sealed unsafe class AttentionGradientCheckTests
{
    private const float Epsilon = 1e-2f;
    private const double Relative = 2e-3;
    private const double Absolute = 2e-4;

    public static TheoryData<int> Cases => new() { 0, 1, 2 };

    private static readonly AttentionCase[] s_cases =
    [
        // Relative-position bias summed over the batch, a mask with fully masked rows.
        new(2, 2, 6, 7, 4, 3) { Bias = BiasKind.PerHead, Mask = MaskKind.Random, Seed = 31 },
        // Causal, full bias, strided operands.
        new(1, 2, 9, 7, 5, 6) { Causal = true, Bias = BiasKind.Full, Layout = LayoutKind.Padded, Seed = 32 },
        // Window-periodic bias, more keys than one block row so several query/key blocks meet.
        new(4, 1, 20, 70, 3, 2) { Bias = BiasKind.PerWindow, Scale = 0.8f, Seed = 33 },
    ];

    [Theory, MemberData(nameof(Cases))]
    public void Gradients_MatchFiniteDifferences(int index)
    {
        var c = s_cases[index];
        var data = new AttentionData(c);
        var isa = Isa.Current;
        // dO = W: the gradient of Σ W ∘ O.
        var weights = Dense(data.DO, c.B, c.H, c.Nq, c.Dv);
        data.Forward(isa);
        data.Backward(isa);

        var rng = new Random(100 + index);
        var inputs = new List<(string Name, Func<float[]> Read, Action<float[]> Write, float[] Grad)>
        {
            ("Q", () => Dense(data.Q, c.B, c.H, c.Nq, c.D), x => SetDense(data.Q, c.B, c.H, c.Nq, c.D, x), data.DQ.Read()),
            ("K", () => Dense(data.K, c.B, c.H, c.Nk, c.D), x => SetDense(data.K, c.B, c.H, c.Nk, c.D, x), data.DK.Read()),
            ("V", () => Dense(data.V, c.B, c.H, c.Nk, c.Dv), x => SetDense(data.V, c.B, c.H, c.Nk, c.Dv, x), data.DV.Read()),
            ("bias", () => data.Read(data.Bias), x => x.CopyTo(new Span<float>(data.Bias.Data, x.Length)), data.Read(data.BiasGrad)),
        };
        foreach (var (name, read, write, grad) in inputs)
        {
            var x0 = read();
            for (var trial = 0; trial < 3; trial++)
            {
                var u = new float[x0.Length];
                for (var i = 0; i < u.Length; i++)
                    u[i] = (float)(rng.NextDouble() * 2 - 1);
                write(Axpy(x0, Epsilon, u));
                var plus = Loss(data, weights, isa);
                write(Axpy(x0, -Epsilon, u));
                var minus = Loss(data, weights, isa);
                write(x0);
                var numeric = (plus - minus) / (2.0 * Epsilon);
                var analytic = 0.0;
                for (var i = 0; i < u.Length; i++)
                    analytic += (double)grad[i] * u[i];
                var tolerance = Relative * Math.Abs(numeric) + Absolute;
                if (Math.Abs(analytic - numeric) > tolerance)
                    throw new XunitException($"{c} d{name}·u: analytic {analytic:R}, finite difference {numeric:R}");
                // The same comparison rejects a gradient 1% off.
                Assert.True(Math.Abs(1.01 * analytic - numeric) > tolerance,
                    $"{c} d{name}: the check is too loose to see a 1% error ({analytic} vs {numeric})");
            }
        }
    }

    private static double Loss(AttentionData data, float[] weights, IsaLevel isa)
    {
        data.Forward(isa);
        var o = data.O.Read();
        var sum = 0.0;
        for (var i = 0; i < o.Length; i++)
            sum += (double)o[i] * weights[i];
        return sum;
    }

    private static float[] Axpy(float[] x, float a, float[] u)
    {
        var r = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
            r[i] = x[i] + a * u[i];
        return r;
    }

    private static float[] Dense(AttentionOperand op, int b, int h, int n, int f)
    {
        var r = new float[b * h * n * f];
        var k = 0;
        for (var bi = 0; bi < b; bi++)
            for (var hi = 0; hi < h; hi++)
                for (var i = 0; i < n; i++)
                    for (var c = 0; c < f; c++)
                        r[k++] = op.Matrix(bi, hi)[i * op.RowStride + c];
        return r;
    }

    private static void SetDense(AttentionOperand op, int b, int h, int n, int f, float[] x)
    {
        var k = 0;
        for (var bi = 0; bi < b; bi++)
            for (var hi = 0; hi < h; hi++)
                for (var i = 0; i < n; i++)
                    for (var c = 0; c < f; c++)
                        op.Matrix(bi, hi)[i * op.RowStride + c] = x[k++];
    }
}
