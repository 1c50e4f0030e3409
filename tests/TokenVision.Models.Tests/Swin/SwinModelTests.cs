using TokenVision.Models.Swin;
using TokenVision.Models.TorchvisionSwin;
using TokenVision.Nn;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Models.Tests.Swin;

/// <summary>Swin-specific behaviour of the timm and torchvision models beyond the reference fixtures.</summary>
public class SwinModelTests
{
    private static readonly SwinConfig s_small = new()
    {
        ImgSize = (32, 32), PatchSize = (2, 2), WindowSize = (4, 4), EmbedDim = 8, Depths = [2, 2, 2], NumHeads = [2, 4, 8], NumClasses = 3,
    };

    [Theory]
    [InlineData(16, 16, 7, 7, 3, 3, false, 7, 7, 3, 3)]    // larger than the window: unchanged
    [InlineData(7, 7, 7, 7, 3, 3, false, 7, 7, 0, 0)]      // equal: no shift
    [InlineData(4, 4, 7, 7, 3, 3, false, 4, 4, 0, 0)]      // smaller: window = map, no shift
    [InlineData(8, 4, 4, 4, 2, 2, false, 4, 4, 2, 0)]      // per dimension
    [InlineData(4, 4, 7, 7, 3, 3, true, 7, 7, 3, 3)]       // always_partition keeps both
    public void WindowAndShift_FollowsTimm(int rh, int rw, int wh, int ww, int sh, int sw, bool always, int ewh, int eww, int esh, int esw)
    {
        var (window, shift) = SwinTransformerBlock.WindowAndShift((rh, rw), (wh, ww), (sh, sw), always);
        Assert.Equal((ewh, eww), window);
        Assert.Equal((esh, esw), shift);
    }

    [Fact]
    public void StagesUseTheFeatureSizeAsWindowWhenSmaller()
    {
        var model = new SwinTransformer(s_small);
        var blocks = model.NamedModules().Select(m => m.Module).OfType<SwinTransformerBlock>().ToList();
        Assert.Equal([(4, 4), (4, 4), (4, 4), (4, 4), (4, 4), (4, 4)], blocks.Select(b => b.Window));
        Assert.Equal([(0, 0), (2, 2), (0, 0), (2, 2), (0, 0), (0, 0)], blocks.Select(b => b.Shift));
        Assert.Equal(49, blocks[^1].Attn.RelativePositionBiasTable.Shape[0]);
        // relative_position_index and attn_mask are non-persistent: not in the state dict.
        Assert.DoesNotContain(model.StateDict(), kv => kv.Key.Contains("relative_position_index") || kv.Key.Contains("attn_mask"));
    }

    [Fact]
    public void RelativePositionBias_GathersTableRowsPerHead()
    {
        var attn = new WindowAttention(8, 2, (2, 3), new Generator(3));
        using var bias = attn.RelativePositionBias();
        Assert.Equal(new[] { 2, 6, 6 }, bias.Shape.ToArray());
        var table = attn.RelativePositionBiasTable.ToArray();
        var index = SwinWindows.RelativePositionIndex((2, 3));
        var b = bias.Contiguous().ToArray();
        for (var h = 0; h < 2; h++)
            for (var ij = 0; ij < 36; ij++)
                Assert.Equal(table[index[ij] * 2 + h], b[h * 36 + ij]);
    }

    [Fact]
    public void ShiftedBlock_OnAMapThatFitsTheWindow_DoesNotShift()
    {
        var block = new SwinTransformerBlock(8, (4, 4), 2, (4, 4), shifted: true, s_small, 0f, new Generator(5));
        var plain = new SwinTransformerBlock(8, (4, 4), 2, (4, 4), shifted: false, s_small, 0f, new Generator(6));
        plain.LoadStateDict(block.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value));
        Assert.Equal((0, 0), block.Shift);
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, 4, 4, 8], new Generator(6));
        using var a = block.Forward(x);
        using var b = plain.Forward(x);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void DynamicMask_MatchesTheStoredMaskAtTheConfiguredSize()
    {
        var fixedModel = new SwinTransformer(s_small);
        var dynamic = new SwinTransformer(s_small with { StrictImgSize = false });
        dynamic.LoadStateDict(fixedModel.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value));
        fixedModel.Eval();
        dynamic.Eval();
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, 3, 32, 32], new Generator(8));
        using var a = fixedModel.Forward(x);
        using var b = dynamic.Forward(x);
        Assert.Equal(a.ToArray(), b.ToArray());
        using var other = Tensor.Randn([1, 3, 40, 24], new Generator(9));  // padded windows, other masks
        using var c = dynamic.Forward(other);
        Assert.Equal(new[] { 1, 3 }, c.Shape.ToArray());
        Assert.True(c.AllFinite());
    }

    [Fact]
    public void FilterCheckpoint_DropsBuffers_RenamesOldLayout_AndResizesTables()
    {
        var model = new SwinTransformer(s_small);
        var own = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        // A pre-0.9 checkpoint: patch merging belongs to the end of the previous stage, the head has no "fc".
        var old = new Dictionary<string, Tensor>();
        foreach (var (k, v) in own)
        {
            var key = k.Replace("head.fc.", "head.");
            if (key.StartsWith("layers.1.downsample", StringComparison.Ordinal))
                key = key.Replace("layers.1.downsample", "layers.0.downsample");
            else if (key.StartsWith("layers.2.downsample", StringComparison.Ordinal))
                key = key.Replace("layers.2.downsample", "layers.1.downsample");
            old[key] = v;
        }
        old["layers.0.blocks.1.attn_mask"] = Tensor.Zeros(16, 16, 16);
        old["layers.0.blocks.0.attn.relative_position_index"] = Tensor.Zeros([16, 16], DType.Int64);
        using var wide = Tensor.Zeros(13 * 13, 2);
        old["layers.0.blocks.0.attn.relative_position_bias_table"] = wide;
        var filtered = model.FilterCheckpoint(old);
        Assert.Equal(own.Keys.Order(), filtered.Keys.Order());
        Assert.Equal(new[] { 49, 2 }, filtered["layers.0.blocks.0.attn.relative_position_bias_table"].Shape.ToArray());
        model.LoadStateDict(filtered);
    }

    [Fact]
    public void ResizeRelativePositionBiasTable_MatchesTimm_Window7To12()
    {
        // Reference values from timm's resize_rel_pos_bias_table (scipy-free path) for a 13x13 table
        // z[r, c] = 13r + c + (r - c)²/2 (head 0) and its negative (head 1), resized for a 12x12 window.
        var z = new float[169 * 2];
        for (var r = 0; r < 13; r++)
            for (var c = 0; c < 13; c++)
            {
                z[(r * 13 + c) * 2] = r * 13 + c + 0.5f * (r - c) * (r - c);
                z[(r * 13 + c) * 2 + 1] = -z[(r * 13 + c) * 2];
            }
        using var table = Tensor.FromArray(z, 169, 2);
        using var resized = SwinTransformer.ResizeRelativePositionBiasTable(table, (12, 12));
        Assert.Equal(new[] { 23 * 23, 2 }, resized.Shape.ToArray());
        float[] row0 =
        [
            0.000092f, 0.510261f, 1.020429f, 1.563190f, 2.618156f, 3.673121f, 5.264647f, 7.097137f, 9.780528f, 13.067162f, 17.500053f, 24.000046f,
            31.500040f, 38.350876f, 44.685711f, 50.708817f, 56.206295f, 61.503994f, 66.356842f, 71.209686f, 75.497093f, 79.748512f, 83.999931f,
        ];
        float[] row11 =
        [
            95.999969f, 94.469460f, 92.938957f, 91.411636f, 89.934685f, 88.457726f, 87.096725f, 85.787804f, 84.739845f, 83.902992f, 83.500000f,
            84.000000f, 85.500000f, 87.514954f, 89.726303f, 92.018059f, 94.374115f, 96.719292f, 99.040222f, 101.361153f, 103.578491f, 105.789223f, 107.999962f,
        ];
        var v = resized.ToArray();
        for (var j = 0; j < 23; j++)
        {
            Assert.Equal(row0[j], v[j * 2], 1e-3f);
            Assert.Equal(-row0[j], v[j * 2 + 1], 1e-3f);
            Assert.Equal(row11[j], v[(11 * 23 + j) * 2], 1e-3f);
        }
    }

    [Fact]
    public void Torchvision_KeepsThePersistentInt64Index_AndReductionBeforeNorm()
    {
        var model = new TorchvisionSwinTransformer(new TorchvisionSwinConfig
        {
            PatchSize = (2, 2), WindowSize = (4, 4), EmbedDim = 8, Depths = [2, 2], NumHeads = [2, 4], NumClasses = 3,
        });
        var keys = model.StateDict().Select(kv => kv.Key).ToList();
        var index = model.StateDict().Single(kv => kv.Key == "features.1.0.attn.relative_position_index").Value;
        Assert.Equal(DType.Int64, index.DType);
        Assert.Equal(SwinWindows.RelativePositionIndex((4, 4)), index.ToInt64Array());
        Assert.True(keys.IndexOf("features.2.reduction.weight") < keys.IndexOf("features.2.norm.weight"));
        Assert.Equal(["features.0.0.weight", "features.0.0.bias", "features.0.2.weight", "features.0.2.bias"], keys.Take(4));
    }

    [Fact]
    public void Torchvision_DropsTheShiftWhenThePaddedMapFitsOneWindow()
    {
        // A 3x3 map is padded to the 4x4 window, so the shifted block must equal the same weights without shift.
        var g = new Generator(11);
        var shifted = new ShiftedWindowAttention(8, (4, 4), (2, 2), 2, g);
        var plain = new ShiftedWindowAttention(8, (4, 4), (0, 0), 2, g);
        plain.LoadStateDict(shifted.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value));
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([2, 3, 3, 8], new Generator(12));
        using var a = shifted.Forward(x);
        using var b = plain.Forward(x);
        Assert.Equal(new[] { 2, 3, 3, 8 }, a.Shape.ToArray());
        Assert.Equal(a.ToArray(), b.ToArray());
        // On an 8x8 map the shift is real and changes the result.
        using var big = Tensor.Randn([1, 8, 8, 8], new Generator(13));
        using var c = shifted.Forward(big);
        using var d = plain.Forward(big);
        Assert.NotEqual(c.ToArray(), d.ToArray());
    }
}
