using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Fused;
using TokenVision.Tensors.Kernels.Gemm;
using TokenVision.Tensors.Kernels.Simd;
using TokenVision.Tensors.Threading;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Gemm;

public sealed unsafe class SgemmTests
{
    public static TheoryData<IsaLevel> FastLevels => new() { IsaLevel.Avx512, IsaLevel.Avx2, IsaLevel.Vector128 };

    public static TheoryData<IsaLevel, bool, bool> FastLevelsAndTransposes()
    {
        var data = new TheoryData<IsaLevel, bool, bool>();
        foreach (var level in new[] { IsaLevel.Avx512, IsaLevel.Avx2, IsaLevel.Vector128 })
        {
            foreach (var ta in new[] { false, true })
            {
                foreach (var tb in new[] { false, true })
                    data.Add(level, ta, tb);
            }
        }
        return data;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Reference_MatchesDoubleTripleLoop(bool ta, bool tb)
    {
        foreach (var (m, n, k, alpha, beta) in new[] { (7, 5, 3, 1f, 0f), (13, 17, 64, -0.5f, 1f), (4, 33, 300, 2f, 0.25f), (1, 1, 1, 1f, 1f) })
        {
            var t = new GemmTestCase(11, ta, tb, m, n, k, pad: 2, bias: true);
            var got = t.Run(IsaLevel.Scalar, alpha, beta);
            for (var i = 0; i < m; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    double s = 0;
                    for (var p = 0; p < k; p++)
                        s += (double)t.ElementA(i, p) * t.ElementB(p, j);
                    var expected = alpha * s + beta * t.C[i * t.Ldc + j] + t.Bias![j];
                    Assert.True(Math.Abs(got[i * t.Ldc + j] - expected) <= t.Tolerance(i, j, alpha, beta), $"({i},{j}) {got[i * t.Ldc + j]} vs {expected}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(FastLevelsAndTransposes))]
    public void EveryTileShape_MatchesReference(IsaLevel level, bool ta, bool tb)
    {
        using var _ = Isa.Force(level);
        var (mr, nr) = TileOf(Isa.Current);
        for (var m = 0; m <= 3 * mr; m++)
        {
            for (var n = 0; n <= 3 * nr; n++)
            {
                var k = 1 + (m * 7 + n * 3) % 19;
                var t = new GemmTestCase(m * 1000 + n, ta, tb, m, n, k, pad: (m + n) % 3);
                AssertClose(t, t.Run(Isa.Current, 1f, 0f), t.Run(IsaLevel.Scalar, 1f, 0f), 1f, 0f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(FastLevelsAndTransposes))]
    public void DepthEdges_AlphaBeta_MatchReference(IsaLevel level, bool ta, bool tb)
    {
        using var _ = Isa.Force(level);
        foreach (var k in new[] { 0, 1, 2, 7, 8, 9, 255, 256, 257, 383, 384, 385, 769 })
        {
            foreach (var (alpha, beta) in new[] { (1f, 0f), (-0.5f, 1f), (2f, 0.25f), (0f, 0.5f) })
            {
                var t = new GemmTestCase(k, ta, tb, 19, 53, k, pad: 5);
                AssertClose(t, t.Run(Isa.Current, alpha, beta), t.Run(IsaLevel.Scalar, alpha, beta), alpha, beta);
            }
        }
    }

    [Theory]
    [MemberData(nameof(FastLevels))]
    public void LargeShapes_MatchReference(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var (m, n, k, ta, tb) in new[] { (203, 197, 64, false, true), (97, 530, 70, true, false), (64, 600, 520, false, false), (130, 45, 33, true, true), (600, 500, 400, false, true) })
        {
            var t = new GemmTestCase(m + n, ta, tb, m, n, k, pad: 1, bias: true);
            AssertClose(t, t.Run(Isa.Current, 1f, 0.5f, ActivationKind.GeluErf), t.Run(IsaLevel.Scalar, 1f, 0.5f, ActivationKind.GeluErf), 1f, 0.5f);
        }
    }

    [Theory]
    [MemberData(nameof(FastLevels))]
    public void Epilogue_BiasAndActivations_MatchReference(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var activation in new[] { ActivationKind.None, ActivationKind.Relu, ActivationKind.GeluErf, ActivationKind.GeluTanh })
        {
            foreach (var (m, n, k) in new[] { (17, 70, 40), (8, 48, 16), (3, 5, 600), (25, 100, 0) })
            {
                var t = new GemmTestCase(m * n + (int)activation, false, true, m, n, k, pad: 3, bias: true);
                var got = t.Run(Isa.Current, 1f, 0f, activation);
                var reference = t.Run(IsaLevel.Scalar, 1f, 0f, activation);
                AssertClose(t, got, reference, 1f, 0f);
                // The activation is applied after bias: compare to applying it to the plain linear result.
                var linear = t.Run(IsaLevel.Scalar, 1f, 0f);
                for (var i = 0; i < m; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        var expected = SgemmReference.Activate(linear[i * t.Ldc + j], activation);
                        Assert.Equal(expected, reference[i * t.Ldc + j], 6);
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(FastLevels))]
    public void BetaZero_IgnoresNaNInC_AndLeavesPaddingAlone(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        var t = new GemmTestCase(5, false, false, 21, 50, 30, pad: 4);
        Array.Fill(t.C, float.NaN);
        var got = t.Run(Isa.Current, 1f, 0f);
        for (var i = 0; i < t.M; i++)
        {
            for (var j = 0; j < t.Ldc; j++)
                Assert.Equal(j < t.N, !float.IsNaN(got[i * t.Ldc + j]));
        }
    }

    [Theory]
    [MemberData(nameof(FastLevels))]
    public void Batched_MatchesOneProductAtATime(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        foreach (var (batch, m, n, k, tb) in new[] { (12, 37, 29, 16, true), (3, 50, 64, 45, false), (1, 9, 9, 9, false) })
        {
            var rng = new Random(batch);
            var strideA = m * k + 3;
            var strideB = k * n + 5;
            var strideC = m * n + 7;
            var a = Fill(rng, batch * strideA);
            var b = Fill(rng, batch * strideB);
            var bias = Fill(rng, n);
            var batched = Fill(rng, batch * strideC);
            var single = (float[])batched.Clone();
            fixed (float* pa = a, pb = b, pc = batched, ps = single, pbias = bias)
            {
                var epilogue = new GemmEpilogue(pbias, ActivationKind.Relu);
                Sgemm.MultiplyBatched(Isa.Current, false, tb, batch, m, n, k, 1f, pa, k, strideA, pb, tb ? k : n, strideB,
                    0.5f, pc, n, strideC, epilogue);
                for (var i = 0; i < batch; i++)
                {
                    Sgemm.Multiply(Isa.Current, false, tb, m, n, k, 1f, pa + i * strideA, k, pb + i * strideB, tb ? k : n,
                        0.5f, ps + i * strideC, n, epilogue, threads: 1);
                }
            }
            Assert.Equal(single, batched);
        }
    }

    [Fact]
    public void Batched_WithSharedC_AccumulatesInBatchOrder()
    {
        const int batch = 16, m = 40, n = 33, k = 20;
        var rng = new Random(3);
        var a = Fill(rng, batch * m * k);
        var b = Fill(rng, batch * k * n);
        var c = new float[m * n];
        var expected = new float[m * n];
        fixed (float* pa = a, pb = b, pc = c, pe = expected)
        {
            Sgemm.MultiplyBatched(Isa.Current, true, false, batch, m, n, k, 1f, pa, m, m * k, pb, n, k * n, 1f, pc, n, 0);
            for (var i = 0; i < batch; i++)
                Sgemm.Multiply(Isa.Current, true, false, m, n, k, 1f, pa + i * m * k, m, pb + i * k * n, n, 1f, pe, n);
        }
        Assert.Equal(expected, c);
    }

    [Theory]
    [MemberData(nameof(FastLevels))]
    public void RowMajorA_ReadInPlace_GivesTheBitsOfAPackedA(IsaLevel level)
    {
        // Row-major A is read in place by the micro-kernels; stored transposed it is packed. The same
        // logical A must give the same bits either way (same multiply-add order per element).
        using var _ = Isa.Force(level);
        foreach (var (m, n, k, pad) in new[] { (197, 150, 384, 0), (13, 48, 7, 3), (64, 96, 1000, 5), (5, 200, 33, 1) })
        {
            var rowMajor = new GemmTestCase(m + n, false, true, m, n, k, pad, bias: true);
            var transposed = new GemmTestCase(m + n, true, true, m, n, k, pad, bias: true);
            for (var i = 0; i < m; i++)
            {
                for (var p = 0; p < k; p++)
                    transposed.A[p * transposed.Lda + i] = rowMajor.ElementA(i, p);
            }
            Array.Copy(rowMajor.B, transposed.B, rowMajor.B.Length);
            Array.Copy(rowMajor.C, transposed.C, rowMajor.C.Length);
            Array.Copy(rowMajor.Bias!, transposed.Bias!, n);
            foreach (var threads in new[] { 1, 2 })
            {
                Assert.Equal(
                    transposed.Run(Isa.Current, 0.5f, 0.25f, ActivationKind.GeluErf, threads),
                    rowMajor.Run(Isa.Current, 0.5f, 0.25f, ActivationKind.GeluErf, threads));
            }
        }
    }

    [Theory]
    [MemberData(nameof(FastLevels))]
    public void Results_AreBitwiseIdentical_AcrossRunsAndThreadCounts(IsaLevel level)
    {
        using var _ = Isa.Force(level);
        if (WorkerPool.MaxThreads < 2)
            return;
        foreach (var (m, n, k) in new[] { (300, 200, 500), (20, 700, 100), (197, 197, 64), (520, 800, 900) })
        {
            var t = new GemmTestCase(m, false, true, m, n, k, bias: true);
            var one = t.Run(Isa.Current, 1f, 0f, ActivationKind.GeluErf, threads: 1);
            var two = t.Run(Isa.Current, 1f, 0f, ActivationKind.GeluErf, threads: 2);
            var again = t.Run(Isa.Current, 1f, 0f, ActivationKind.GeluErf, threads: 2);
            Assert.Equal(one, two);
            Assert.Equal(two, again);
        }
    }

    [Theory]
    [MemberData(nameof(FastLevelsAndTransposes))]
    public void VectorShapes_MEqualsOneOrNEqualsOne_MatchReference(IsaLevel level, bool ta, bool tb)
    {
        using var _ = Isa.Force(level);
        foreach (var (m, n, k) in new[] { (1, 1000, 700), (1, 77, 3), (1, 5, 64), (900, 1, 450), (3, 1, 19), (1, 1, 1000) })
        {
            foreach (var activation in new[] { ActivationKind.None, ActivationKind.GeluErf })
            {
                var t = new GemmTestCase(m + n + k, ta, tb, m, n, k, pad: 3, bias: true);
                AssertClose(t, t.Run(Isa.Current, 0.5f, 0.25f, activation), t.Run(IsaLevel.Scalar, 0.5f, 0.25f, activation), 0.5f, 0.25f);
                if (WorkerPool.MaxThreads >= 2)
                    Assert.Equal(t.Run(Isa.Current, 1f, 0f, activation, threads: 1), t.Run(Isa.Current, 1f, 0f, activation, threads: 2));
            }
        }
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        var data = new float[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => Call(data, m: -1, lda: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Call(data, m: 2, lda: 1));
        static void Call(float[] data, int m, int lda)
        {
            fixed (float* p = data)
                Sgemm.Multiply(IsaLevel.Scalar, false, false, m, 2, 2, 1f, p, lda, p, 2, 0f, p, 2);
        }
    }

    private static (int Mr, int Nr) TileOf(IsaLevel level) => level switch
    {
        IsaLevel.Avx512 => (GemmKernelAvx512.Mr, GemmKernelAvx512.Nr),
        IsaLevel.Avx2 => (GemmKernel6x2<Simd256Ops, Vector256<float>>.Mr, GemmKernel6x2<Simd256Ops, Vector256<float>>.Nr),
        _ => (GemmKernel6x2<Simd128Ops, Vector128<float>>.Mr, GemmKernel6x2<Simd128Ops, Vector128<float>>.Nr),
    };

    private static void AssertClose(GemmTestCase t, float[] got, float[] expected, float alpha, float beta)
    {
        for (var i = 0; i < t.M; i++)
        {
            for (var j = 0; j < t.Ldc; j++)
            {
                var index = i * t.Ldc + j;
                if (j >= t.N)
                {
                    Assert.Equal(t.C[index], got[index]);
                    continue;
                }
                var tol = t.Tolerance(i, j, alpha, beta);
                if (!(Math.Abs(got[index] - expected[index]) <= tol))
                    Assert.Fail($"M={t.M} N={t.N} K={t.K} ({i},{j}): {got[index]} vs {expected[index]} (tol {tol})");
            }
        }
    }

    private static float[] Fill(Random rng, int length)
    {
        var data = new float[length];
        for (var i = 0; i < length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
