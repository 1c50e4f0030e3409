using TokenVision.Models.Beit;
using TokenVision.Tensors;
using Xunit;
using BeitModel = TokenVision.Models.Beit.Beit;

namespace TokenVision.Models.Tests.Beit;

/// <summary>BEiT's relative position bias (index, gather, shared table), q/v biases and checkpoint filter.</summary>
public class BeitTests
{
    private static BeitConfig Small => new()
    {
        ImgSize = (16, 16), PatchSize = (8, 8), EmbedDim = 16, Depth = 2, NumHeads = 2, NumClasses = 3,
        UseAbsPosEmb = false, UseRelPosBias = true, InitValues = 0.1f, Seed = 3,
    };

    [Fact]
    public void RelativePositionIndex_2x2_MatchesHandBuiltTable()
    {
        // 2x2 grid: (2·2-1)² + 3 = 12 rows. Patch pairs: (Δh + 1)·3 + (Δw + 1) for tokens (0,0), (0,1), (1,0), (1,1);
        // row 0 (cls → token) = 9, column 0 (token → cls) = 10, (0, 0) (cls → cls) = 11.
        long[] expected =
        [
            11, 9, 9, 9, 9,
            10, 4, 3, 1, 0,
            10, 5, 4, 2, 1,
            10, 7, 6, 4, 3,
            10, 8, 7, 5, 4,
        ];
        using var index = BeitModel.RelativePositionBias.GenRelativePositionIndex((2, 2));
        Assert.Equal(new[] { 5, 5 }, index.Shape);
        Assert.Equal(DType.Int64, index.DType);
        Assert.Equal(expected, index.ToInt64Array());
        Assert.Equal(12, BeitModel.RelativePositionBias.NumRelativeDistance((2, 2)));
    }

    [Fact]
    public void RelativePositionIndex_NonSquareWindow_UsesRowStride2WwMinus1()
    {
        // 2x3 grid: (3·5) + 3 = 18 rows; offset (Δh, Δw) ↦ (Δh + 1)·5 + (Δw + 2).
        using var index = BeitModel.RelativePositionBias.GenRelativePositionIndex((2, 3));
        var a = index.ToInt64Array();
        const int n = 7;
        Assert.Equal(18, BeitModel.RelativePositionBias.NumRelativeDistance((2, 3)));
        Assert.Equal(17, a[0]);                                   // cls → cls
        Assert.All(Enumerable.Range(1, 6), j => Assert.Equal(15, a[j]));      // cls → token
        Assert.All(Enumerable.Range(1, 6), i => Assert.Equal(16, a[i * n]));  // token → cls
        for (var i = 0; i < 6; i++)
        {
            for (var j = 0; j < 6; j++)
            {
                var (dh, dw) = (i / 3 - j / 3, i % 3 - j % 3);
                Assert.Equal((dh + 1) * 5 + dw + 2, a[(i + 1) * n + j + 1]);
            }
        }
        Assert.Equal(7, a[1 * n + 1]);                            // zero offset is the table's centre
        Assert.Equal(14, a[6 * n + 1]);                           // (1,2) → (0,0): largest patch offset
        Assert.Equal(0, a[1 * n + 6]);                            // (0,0) → (1,2): smallest
    }

    [Fact]
    public void Gather_PicksTableRowsPerHead()
    {
        const int rows = 12, heads = 2;
        var values = new float[rows * heads];
        for (var r = 0; r < rows; r++)
            for (var h = 0; h < heads; h++)
                values[r * heads + h] = 100 * h + r;
        using var table = Tensor.FromArray(values, rows, heads);
        using var index = BeitModel.RelativePositionBias.GenRelativePositionIndex((2, 2));
        using var bias = BeitModel.RelativePositionBias.Gather(table, index);
        Assert.Equal(new[] { heads, 5, 5 }, bias.Shape);
        var b = bias.ToArray();
        var idx = index.ToInt64Array();
        for (var h = 0; h < heads; h++)
            for (var k = 0; k < 25; k++)
                Assert.Equal(100 * h + idx[k], b[h * 25 + k]);
    }

    [Fact]
    public void Attention_MatchesQkvWithZeroKeyBiasAndRelativeBias()
    {
        const int d = 8, heads = 2, hd = 4;
        var g = new Generator(11);
        var attn = new BeitModel.Attention(d, heads, qkvBias: true, attnDrop: 0, projDrop: 0, windowSize: (2, 2), g);
        attn.Eval();
        using var noGrad = Grad.Disabled();
        foreach (var p in new[] { attn.QBias!, attn.VBias!, attn.RelativePositionBiasTable! })
            p.Normal_(0, 1, g);
        using var x = Tensor.Randn([2, 5, d], g);
        using var actual = attn.Forward(x);

        // Reference: per head, q = x·Wqᵀ + q_bias, k = x·Wkᵀ, v = x·Wvᵀ + v_bias, softmax(q·kᵀ/√hd + table[index])·v.
        var w = attn.Qkv.Weight;
        using var index = BeitModel.RelativePositionBias.GenRelativePositionIndex((2, 2));
        using var bias = BeitModel.RelativePositionBias.Gather(attn.RelativePositionBiasTable!, index);
        var outputs = new List<Tensor>();
        for (var h = 0; h < heads; h++)
        {
            using var wq = w.Narrow(0, h * hd, hd);
            using var wk = w.Narrow(0, d + h * hd, hd);
            using var wv = w.Narrow(0, 2 * d + h * hd, hd);
            using var bq = attn.QBias!.Narrow(0, h * hd, hd);
            using var bv = attn.VBias!.Narrow(0, h * hd, hd);
            using var q = Tensor.Linear(x, wq, bq);
            using var k = Tensor.Linear(x, wk);
            using var v = Tensor.Linear(x, wv, bv);
            using var kt = k.Transpose(1, 2);
            using var s0 = q.MatMul(kt);
            using var s1 = s0.Mul(1f / MathF.Sqrt(hd));
            using var bh = bias.Select(0, h);
            using var s2 = s1 + bh;
            using var pr = Functional.Softmax(s2, -1);
            outputs.Add(pr.MatMul(v));
        }
        using var merged = Tensor.Cat(outputs, 2);
        using var expected = attn.Proj.Forward(merged);
        foreach (var o in outputs)
            o.Dispose();
        AssertClose(expected, actual, 1e-5f);
    }

    [Fact]
    public void SharedRelativePositionBias_EqualsPerBlockTablesHoldingTheSameValues()
    {
        var perBlock = new BeitModel(Small);
        var shared = new BeitModel(Small with { UseRelPosBias = false, UseSharedRelPosBias = true });
        var keys = shared.StateDict().Select(kv => kv.Key).ToList();
        Assert.Contains("rel_pos_bias.relative_position_bias_table", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("blocks.", StringComparison.Ordinal) && k.Contains("relative_position"));
        Assert.DoesNotContain(keys, k => k.Contains("relative_position_index") || k.Contains("k_bias"));

        var g = new Generator(5);
        using var noGrad = Grad.Disabled();
        using var table = Tensor.Randn([12, 2], g);
        var weights = perBlock.StateDict().Where(kv => !kv.Key.Contains("relative_position_bias_table"))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        weights["rel_pos_bias.relative_position_bias_table"] = table;
        shared.LoadStateDict(weights);
        foreach (var block in perBlock.Blocks)
            block.Attn.RelativePositionBiasTable!.Copy_(table);
        perBlock.Eval();
        shared.Eval();
        using var x = Tensor.Randn([2, 3, 16, 16], g);
        using var a = perBlock.Forward(x);
        using var b = shared.Forward(x);
        AssertClose(a, b, 1e-5f);
    }

    [Fact]
    public void FilterCheckpoint_DropsStoredIndexAndKeyBiasBuffers()
    {
        var model = new BeitModel(Small);
        var source = new BeitModel(Small with { Seed = 9 });
        var weights = source.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        using var index = BeitModel.RelativePositionBias.GenRelativePositionIndex((2, 2));
        using var kBias = Tensor.Zeros(16);
        weights["blocks.0.attn.relative_position_index"] = index;
        weights["blocks.1.attn.relative_position_index"] = index;
        weights["blocks.0.attn.k_bias"] = kBias;
        var filtered = model.FilterCheckpoint(weights);
        Assert.DoesNotContain(filtered.Keys, k => k.Contains("relative_position_index") || k.Contains("k_bias"));
        var report = model.LoadStateDict(filtered, strict: true);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unexpected);
        Assert.Equal(source.Blocks[1].Attn.QBias!.ToArray(), model.Blocks[1].Attn.QBias!.ToArray());
    }

    [Fact]
    public void FilterCheckpoint_RejectsTableOfAnotherWindow()
    {
        var model = new BeitModel(Small);
        var weights = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        using var wrong = Tensor.Zeros(28, 2);                     // a 3x3 window's table
        weights["blocks.0.attn.relative_position_bias_table"] = wrong;
        var e = Assert.Throws<NotSupportedException>(() => model.FilterCheckpoint(weights));
        Assert.Contains("blocks.0.attn.relative_position_bias_table", e.Message);
    }

    [Fact]
    public void Init_FollowsTimm()
    {
        var model = new BeitModel(Small);
        var block = model.Blocks[1];
        Assert.All(block.Gamma1!.ToArray(), v => Assert.Equal(0.1f, v));
        Assert.All(block.Attn.QBias!.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(block.Attn.KBias!.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(block.Attn.RelativePositionBiasTable!.ToArray(), v => Assert.Equal(0f, v));
        // Head: trunc_normal(std .02) scaled by head_init_scale 1e-3; block 2's fc2 divided by sqrt(2·2).
        var head = ((Nn.Linear)model.Head).Weight.ToArray();
        Assert.True(head.Max(MathF.Abs) < 5 * 0.02f * 1e-3f);
        Assert.InRange(Std(block.Mlp.Fc2.Weight), 0.9 * 0.01, 1.1 * 0.01);
        Assert.InRange(Std(model.Blocks[0].Mlp.Fc2.Weight), 0.9 * 0.02 / Math.Sqrt(2), 1.1 * 0.02 / Math.Sqrt(2));
    }

    private static double Std(Tensor t) => Math.Sqrt(t.ToArray().Select(v => (double)v * v).Average());

    [Fact]
    public void UnsupportedOptions_AreRejected()
    {
        Assert.Throws<NotSupportedException>(() => new BeitModel(Small with { SwigluMlp = true }));
        Assert.Throws<ArgumentException>(() => new BeitModel(Small with { GlobalPool = "max" }));
    }

    internal static void AssertClose(Tensor expected, Tensor actual, float tol)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        var scale = Math.Max(1f, e.Max(MathF.Abs));
        for (var i = 0; i < e.Length; i++)
            Assert.True(MathF.Abs(e[i] - a[i]) <= tol * scale, $"element {i}: {a[i]} vs expected {e[i]}");
    }
}
