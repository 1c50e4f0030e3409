using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Tensors.Tests;

public class TensorBasicsTests
{
    private static Tensor Seq(params int[] shape)
    {
        var n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), shape);
    }

    [Fact]
    public void FromArray_RoundTrips()
    {
        using var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(new[] { 2, 3 }, t.Shape);
        Assert.Equal(new[] { 1f, 2, 3, 4, 5, 6 }, t.ToArray());
        Assert.True(t.IsContiguous);
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2, 3], 2, 2));
    }

    [Fact]
    public void Views_ShareStorage_AndPermuteTransposes()
    {
        using var t = Seq(2, 3, 4);
        using var p = t.Permute(2, 0, 1);
        Assert.Equal(new[] { 4, 2, 3 }, p.Shape);
        Assert.False(p.IsContiguous);
        var a = p.ToArray();
        // p[k, i, j] = t[i, j, k] = 12 i + 4 j + k
        Assert.Equal(1 * 12 + 2 * 4 + 3, a[3 * 6 + 1 * 3 + 2]);
        using var tt = t.Transpose(0, 2);
        Assert.Equal(new[] { 4, 3, 2 }, tt.Shape);
        using (Grad.Disabled())
            t.Fill_(1f);
        Assert.All(p.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Reshape_ViewsWhenPossible_CopiesOtherwise()
    {
        using var t = Seq(4, 6);
        using var v = t.View(2, 2, -1);
        Assert.Equal(new[] { 2, 2, 6 }, v.Shape);
        using var tr = t.Transpose(0, 1);
        Assert.Throws<InvalidOperationException>(() => tr.View(-1));
        using var r = tr.Reshape(-1);
        Assert.Equal(new[] { 0f, 6, 12, 18, 1, 7 }, r.ToArray()[..6]);
        // A slice of the last dimension views as split dimensions.
        using var s = t.Slice(1, 0, 4);
        using var sv = s.View(4, 2, 2);
        Assert.Equal(new[] { 0f, 1, 2, 3, 6, 7 }, sv.ToArray()[..6]);
    }

    [Fact]
    public void Slice_WithStep_And_NegativeBounds()
    {
        using var t = Seq(10);
        using var s = t.Slice(0, 1, -1, 3);
        Assert.Equal(new[] { 1f, 4, 7 }, s.ToArray());
        using var e = t.Slice(0, 20, 30);
        Assert.Equal(0, e.NumElements);
    }

    [Fact]
    public void Expand_Squeeze_Unsqueeze()
    {
        using var t = Seq(3, 1);
        using var e = t.Expand(2, 3, 4);
        Assert.Equal(new[] { 2, 3, 4 }, e.Shape);
        Assert.Equal(2f, e.ToArray()[2 * 4 + 3]);
        using var u = t.Unsqueeze(0);
        Assert.Equal(new[] { 1, 3, 1 }, u.Shape);
        using var sq = u.Squeeze();
        Assert.Equal(new[] { 3 }, sq.Shape);
        Assert.Throws<ArgumentException>(() => t.Expand(3, 2, 4));
    }

    [Fact]
    public void Broadcasting_FollowsNumPyRules()
    {
        using var a = Seq(2, 1, 3);
        using var b = Seq(4, 1);
        using var c = a + b;
        Assert.Equal(new[] { 2, 4, 3 }, c.Shape);
        var v = c.ToArray();
        // c[i, j, k] = a[i, 0, k] + b[j, 0] = 3 i + k + j
        Assert.Equal(3 * 1 + 2 + 3, v[1 * 12 + 3 * 3 + 2]);
        using var bad = Seq(3, 2);
        Assert.Throws<ArgumentException>(() => a + bad);
    }

    [Fact]
    public void Elementwise_MatchesScalarMath_AtManyLengths()
    {
        var g = new Generator(1);
        for (var n = 0; n <= 3 * 16 + 1; n++)
        {
            using var x = Tensor.Uniform([n], -3, 3, g);
            var xs = x.ToArray();
            using var e = x.Exp();
            using var t = x.Tanh();
            using var gl = x.Gelu();
            using var gt = x.Gelu(tanhApproximation: true);
            using var s = x.Sigmoid();
            var (ev, tv, gv, gtv, sv) = (e.ToArray(), t.ToArray(), gl.ToArray(), gt.ToArray(), s.ToArray());
            for (var i = 0; i < n; i++)
            {
                var xv = (double)xs[i];
                Assert.Equal(Math.Exp(xv), ev[i], Math.Exp(xv) * 1e-5);
                Assert.Equal(Math.Tanh(xv), tv[i], 1e-6);
                Assert.Equal(0.5 * xv * (1 + Erf(xv / Math.Sqrt(2))), gv[i], 1e-6);
                Assert.Equal(0.5 * xv * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (xv + 0.044715 * xv * xv * xv))), gtv[i], 1e-5);
                Assert.Equal(1 / (1 + Math.Exp(-xv)), sv[i], 1e-6);
            }
        }
    }

    [Fact]
    public void Erf_MatchesReferenceValues()
    {
        // Values of erf from tables (Abramowitz & Stegun 7.1).
        using var x = Tensor.FromArray([0f, 0.5f, 1f, 2f, -1.5f, 3f]);
        using var y = x.Erf();
        var expected = new[] { 0.0, 0.5204998778, 0.8427007929, 0.9953222650, -0.9661051465, 0.9999779095 };
        var v = y.ToArray();
        for (var i = 0; i < v.Length; i++)
            Assert.Equal(expected[i], v[i], 1e-7);
    }

    internal static double Erf(double x)
    {
        // High-precision reference through the series (|x| < 4 in these tests).
        double sum = x, term = x;
        for (var n = 1; n < 200; n++)
        {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return sum * 2 / Math.Sqrt(Math.PI);
    }

    [Fact]
    public void Reductions_OverAnyDims()
    {
        using var t = Seq(2, 3, 4);
        using var s0 = t.Sum([0, 2]);
        Assert.Equal(new[] { 3 }, s0.Shape);
        // sum over i, k of 12 i + 4 j + k = 2*4*4j + 4*(0+12) + 2*(0+1+2+3)
        Assert.Equal(new[] { 60f, 92, 124 }, s0.ToArray());
        using var s1 = t.Sum([1], keepDim: true);
        Assert.Equal(new[] { 2, 1, 4 }, s1.Shape);
        using var m = t.Mean();
        Assert.Equal(11.5f, m.Item());
        var (mx, idx) = t.Max(1);
        Assert.Equal(new[] { 8f, 9, 10, 11, 20, 21, 22, 23 }, mx.ToArray());
        Assert.All(idx.ToInt64Array(), v => Assert.Equal(2L, v));
        using var v2 = t.Var([2], correction: 0);
        Assert.All(v2.ToArray(), v => Assert.Equal(1.25f, v, 5));
        using var lse = t.LogSumExp(2);
        Assert.Equal(3 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2) + Math.Exp(-3)), lse.ToArray()[0], 5);
        using var n2 = t.Norm();
        Assert.Equal(Math.Sqrt(Enumerable.Range(0, 24).Sum(i => (double)i * i)), n2.Item(), 3);
        using var am = t.Amax([0, 2]);
        Assert.Equal(new[] { 15f, 19, 23 }, am.ToArray());
    }

    [Fact]
    public void ColumnSum_MatchesRowwiseSum()
    {
        var g = new Generator(3);
        using var x = Tensor.Randn([257, 33], g);
        using var s = x.Sum(0);
        using var st = x.Transpose(0, 1).Contiguous().Sum(1);
        var xs = x.ToArray();
        var (a, b) = (s.ToArray(), st.ToArray());
        for (var j = 0; j < 33; j++)
        {
            var reference = Enumerable.Range(0, 257).Sum(i => (double)xs[i * 33 + j]);
            Assert.Equal(reference, a[j], 1e-4);
            Assert.Equal(reference, b[j], 1e-4);
        }
    }

    [Fact]
    public void Indexing_GatherScatterIndexSelect()
    {
        using var t = Seq(3, 4);
        using var idx = Tensor.FromArray([2L, 0], 2);
        using var sel = t.IndexSelect(0, idx);
        Assert.Equal(new[] { 8f, 9, 10, 11, 0, 1, 2, 3 }, sel.ToArray());
        using var gi = Tensor.FromArray([3L, 0, 1, 1, 2, 2], 3, 2);
        using var ga = t.Gather(1, gi);
        Assert.Equal(new[] { 3f, 0, 5, 5, 10, 10 }, ga.ToArray());
        using var z = Tensor.Zeros(3, 4);
        using var src = Tensor.Ones(3, 2);
        using var sa = z.ScatterAdd(1, gi, src);
        Assert.Equal(new[] { 1f, 0, 0, 1, 0, 2, 0, 0, 0, 0, 2, 0 }, sa.ToArray());
        Assert.Throws<IndexOutOfRangeException>(() => t.IndexSelect(0, Tensor.FromArray([3L])));
    }

    [Fact]
    public void SortTopKArgsort()
    {
        using var t = Tensor.FromArray([3f, 1, 2, 5, 5, 0], 2, 3);
        var (v, i) = t.Sort(1);
        Assert.Equal(new[] { 1f, 2, 3, 0, 5, 5 }, v.ToArray());
        Assert.Equal(new[] { 1L, 2, 0, 2, 0, 1 }, i.ToInt64Array());
        var (tv, ti) = t.TopK(2, 1);
        Assert.Equal(new[] { 3f, 2, 5, 5 }, tv.ToArray());
        Assert.Equal(new[] { 0L, 2, 0, 1 }, ti.ToInt64Array());
        using var am = t.ArgMax(1);
        Assert.Equal(new[] { 0L, 0 }, am.ToInt64Array());
    }

    [Fact]
    public void ShapeOps_CatStackSplitRollPadRepeat()
    {
        using var a = Seq(2, 2);
        using var b = Seq(2, 1);
        using var c = Tensor.Cat([a, b], 1);
        Assert.Equal(new[] { 0f, 1, 0, 2, 3, 1 }, c.ToArray());
        using var s = Tensor.Stack([a, a], 1);
        Assert.Equal(new[] { 2, 2, 2 }, s.Shape);
        var parts = Seq(7).Split(3);
        Assert.Equal(new[] { 3, 3, 1 }, parts.Select(p => p.NumElements));
        var chunks = Seq(7).Chunk(2);
        Assert.Equal(new[] { 4, 3 }, chunks.Select(p => p.NumElements));
        using var r = Seq(2, 3).Roll([1, -1], [0, 1]);
        Assert.Equal(new[] { 4f, 5, 3, 1, 2, 0 }, r.ToArray());
        using var p1 = Seq(2, 2).Pad([1, 0, 0, 1], -1f);
        Assert.Equal(new[] { -1f, 0, 1, -1, 2, 3, -1, -1, -1 }, p1.ToArray());
        using var pr = Seq(1, 4).PadReflect([2, 1]);
        Assert.Equal(new[] { 2f, 1, 0, 1, 2, 3, 2 }, pr.ToArray());
        using var rep = Seq(2).Repeat(2, 2);
        Assert.Equal(new[] { 0f, 1, 0, 1, 0, 1, 0, 1 }, rep.ToArray());
        using var fl = Seq(3).Flip(0);
        Assert.Equal(new[] { 2f, 1, 0 }, fl.ToArray());
    }

    [Fact]
    public void MatMul_BroadcastsBatches_AndHandlesTransposedViews()
    {
        var g = new Generator(5);
        using var a = Tensor.Randn([2, 1, 5, 7], g);
        using var b = Tensor.Randn([3, 7, 4], g);
        using var c = a.MatMul(b);
        Assert.Equal(new[] { 2, 3, 5, 4 }, c.Shape);
        var av = a.ToArray();
        var bv = b.ToArray();
        var cv = c.ToArray();
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 3; j++)
                for (var r = 0; r < 5; r++)
                    for (var col = 0; col < 4; col++)
                    {
                        double sum = 0;
                        for (var k = 0; k < 7; k++)
                            sum += av[i * 35 + r * 7 + k] * bv[j * 28 + k * 4 + col];
                        Assert.Equal(sum, cv[((i * 3 + j) * 5 + r) * 4 + col], 4);
                    }
        using var bt = b.Transpose(1, 2).Contiguous().Transpose(1, 2);
        using var c2 = a.MatMul(bt);
        Assert.Equal(cv, c2.ToArray());
        using var v = Tensor.Randn([7], g);
        using var mv = a.MatMul(v);
        Assert.Equal(new[] { 2, 1, 5 }, mv.Shape);
    }

    [Fact]
    public void Linear_MatchesMatMulPlusBias()
    {
        var g = new Generator(6);
        using var x = Tensor.Randn([2, 3, 5], g);
        using var w = Tensor.Randn([4, 5], g);
        using var b = Tensor.Randn([4], g);
        using var y = Tensor.Linear(x, w, b);
        using var y2 = x.MatMul(w.MT) + b;
        var (p, q) = (y.ToArray(), y2.ToArray());
        for (var i = 0; i < p.Length; i++)
            Assert.Equal(q[i], p[i], 5);
    }

    [Fact]
    public void DisposedTensor_ThrowsClearly()
    {
        var t = Tensor.Ones(2);
        t.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Contains("[2]", e.Message);
    }

    [Fact]
    public void Generator_IsDeterministic()
    {
        using var a = Tensor.Randn([100], new Generator(42));
        using var b = Tensor.Randn([100], new Generator(42));
        Assert.Equal(a.ToArray(), b.ToArray());
        using var r = Tensor.Randint(0, 10, [1000], new Generator(1));
        Assert.All(r.ToInt64Array(), v => Assert.InRange(v, 0, 9));
        using var tn = Tensor.TruncNormal([1000], 0, 1, -2, 2, new Generator(2));
        Assert.All(tn.ToArray(), v => Assert.InRange(v, -2f, 2f));
    }

    [Fact]
    public void Randn_IsStandardNormal()
    {
        // 200k samples: moments within ~5 standard errors, and the Kolmogorov-Smirnov distance to the normal CDF
        // below the 0.1% critical value 1.95/sqrt(n).
        const int n = 200_000;
        using var x = Tensor.Randn([n], new Generator(7));
        var v = x.ToArray().Select(f => (double)f).ToArray();
        var mean = v.Average();
        var variance = v.Select(a => (a - mean) * (a - mean)).Sum() / n;
        var kurtosis = v.Select(a => Math.Pow(a - mean, 4)).Sum() / n / (variance * variance);
        Assert.InRange(mean, -0.012, 0.012);
        Assert.InRange(variance, 0.984, 1.016);
        Assert.InRange(kurtosis, 2.94, 3.06);
        Array.Sort(v);
        var ks = 0.0;
        for (var i = 0; i < n; i++)
        {
            var cdf = 0.5 * (1 + Erf(v[i] / Math.Sqrt(2)));
            ks = Math.Max(ks, Math.Max(Math.Abs(cdf - (double)i / n), Math.Abs(cdf - (double)(i + 1) / n)));
        }
        Assert.True(ks < 1.95 / Math.Sqrt(n), $"KS distance {ks}");

        // Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), far below the KS bound of 4.4e-3.
        static double Erf(double z)
        {
            var t = 1 / (1 + 0.3275911 * Math.Abs(z));
            var y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-z * z);
            return z < 0 ? -y : y;
        }
    }

    [Fact]
    public void CreationHelpers()
    {
        using var a = Tensor.Arange(0, 1, 0.25);
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f }, a.ToArray());
        using var l = Tensor.Linspace(0, 1, 5);
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f }, l.ToArray());
        using var e = Tensor.Eye(2, 3);
        Assert.Equal(new[] { 1f, 0, 0, 0, 1, 0 }, e.ToArray());
    }
}

public class ExternalMemoryTests
{
    [Fact]
    public unsafe void FromExternal_ViewsWithoutCopy_AndRefusesWrites()
    {
        var data = GC.AllocateArray<float>(6, pinned: true);
        for (var i = 0; i < 6; i++)
            data[i] = i;
        fixed (float* p = data)
        {
            using var t = Tensor.FromExternal(p, DType.Float32, [2, 3], data);
            Assert.Equal(new[] { 0f, 1, 2, 3, 4, 5 }, t.ToArray());
            Assert.True(t.IsReadOnly);
            data[4] = 40;
            Assert.Equal(40f, t.ToArray()[4]);
            Assert.Throws<InvalidOperationException>(() => t.Fill_(1f));
            using var copy = t.Clone();
            Assert.False(copy.IsReadOnly);
            var target = Tensor.Zeros(2, 3);
            target.Set_(t);
            Assert.Equal(40f, target.ToArray()[4]);
            Assert.True(target.IsReadOnly);
        }
    }
}

public class FlopCounterTests
{
    [Fact]
    public void CountsMultiplyAddsOfProductsAndConvolutions()
    {
        using var a = Tensor.Ones(2, 3, 4);
        using var b = Tensor.Ones(4, 5);
        using var x = Tensor.Ones(1, 2, 6, 6);
        using var w = Tensor.Ones(3, 2, 3, 3);
        using var counter = FlopCounter.Begin();
        using (var _ = a.MatMul(b)) { }
        Assert.Equal(2 * 3 * 4 * 5, counter.MultiplyAdds);
        using (var _ = Tensor.Linear(a, b.MT)) { }
        Assert.Equal(2 * 2 * 3 * 4 * 5, counter.MultiplyAdds);
        using (var inner = FlopCounter.Begin())
        {
            using var _ = Functional.Conv2d(x, w);
            Assert.Equal(3 * 16 * 2 * 9, inner.MultiplyAdds);
        }
        Assert.Equal(2 * 2 * 3 * 4 * 5 + 3 * 16 * 2 * 9, counter.MultiplyAdds);
    }
}

public class DeferredAllocationTests
{
    [Fact]
    public void FilledTensors_AllocateOnFirstUse_WithTheirFillValue()
    {
        Tensor ones, zeros, replaced;
        using (DeferredAllocation.Begin())
        {
            ones = Tensor.Ones(3, 2);
            zeros = Tensor.Zeros([4], DType.Int64);
            replaced = Tensor.Full([1000, 1000], 7f);
            using var computed = Tensor.FromArray([1f, 2f]);
            Assert.False(computed.IsDeferred);
        }
        Assert.True(ones.IsDeferred && zeros.IsDeferred && replaced.IsDeferred);
        Assert.Equal(Enumerable.Repeat(1f, 6), ones.ToArray());
        Assert.False(ones.IsDeferred);
        Assert.Equal(new long[4], zeros.ToInt64Array());
        using var source = Tensor.Full([1000, 1000], 3f);
        replaced.Set_(source);
        Assert.Equal(3f, replaced.ToArray()[12345]);
        using var outside = Tensor.Ones(2);
        Assert.False(outside.IsDeferred);
    }
}

public class SmallOpTests
{
    [Fact]
    public void Unflatten_SplitsADimension_AndInfersMinusOne()
    {
        using var t = Tensor.Arange(24).Reshape(2, 12);
        using var u = t.Unflatten(1, 3, -1);
        Assert.Equal(new[] { 2, 3, 4 }, u.Shape);
        Assert.Throws<ArgumentException>(() => t.Unflatten(1, 5, -1));
    }

    [Fact]
    public void Sign_IsNeverRecorded()
    {
        var x = TensorScope.Detach(Tensor.FromArray([-2f, 0f, 3f]));
        x.RequiresGrad = true;
        using var s = x.Sign();
        Assert.Equal(new[] { -1f, 0f, 1f }, s.ToArray());
        Assert.False(s.RequiresGrad);
    }
}
