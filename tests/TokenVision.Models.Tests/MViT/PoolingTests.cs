using TokenVision.Models.MViT;
using TokenVision.Models.TorchvisionMViT;
using TokenVision.Nn;
using TokenVision.Tensors;
using Xunit;

namespace TokenVision.Models.Tests.MViT;

/// <summary>Pooled grid sizes of attention and shortcuts, and the relative-position table sizes that follow from them.</summary>
public class PoolingTests
{
    private static readonly MViTv2Config Tiny = new MViTv2Config { Depths = [1, 2, 5, 2] }.Resolved();

    [Theory]
    // size, stride q, stride kv → pooled q side, pooled kv side: ⌊(s + 2·1 − 3) / stride⌋ + 1
    [InlineData(16, 1, 4, 16, 4)]
    [InlineData(16, 2, 2, 8, 8)]
    [InlineData(9, 1, 2, 9, 5)]
    [InlineData(7, 1, 4, 7, 2)]
    [InlineData(2, 2, 1, 1, 2)]
    public void Attention_PoolsQueriesAndKeysLikeAStridedConv(int size, int strideQ, int strideKv, int qSide, int kvSide)
    {
        var g = new Generator(1);
        var attn = new MultiScaleAttention(8, 8, (size, size), 2, Tiny, (strideQ, strideQ), (strideKv, strideKv), g);
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([2, size * size, 8], g);
        using var y = attn.Forward(x, (size, size), out var qSize);
        Assert.Equal((qSide, qSide), qSize);
        Assert.Equal(new[] { 2, qSide * qSide, 8 }, y.Shape.ToArray());
        using var k = Tensor.Randn([2, 2, size * size, 4], g);
        using var pooled = TokenPooling.Pool(k, 0, [size, size], attn.PoolK!, out var kSize);
        Assert.Equal(new[] { kvSide, kvSide }, kSize);
        // timm sizes the tables from size // stride: 2·max(q, kv) − 1 rows.
        Assert.Equal(2 * Math.Max(size / strideQ, size / strideKv) - 1, attn.RelPosH!.Shape[0]);
    }

    [Theory]
    [InlineData(new[] { 2, 2 }, new[] { 7, 7 }, new[] { 4, 4 })]
    [InlineData(new[] { 2, 2 }, new[] { 8, 8 }, new[] { 4, 4 })]
    [InlineData(new[] { 1, 2, 2 }, new[] { 3, 7, 7 }, new[] { 3, 4, 4 })]
    [InlineData(new[] { 2, 1, 2 }, new[] { 4, 5, 6 }, new[] { 2, 5, 3 })]
    public void Shortcut_MaxPoolsWithKernelStridePlusOne(int[] stride, int[] size, int[] expected)
    {
        var pool = SpatialPool.Shortcut(stride);
        Assert.Equal(stride.Select(s => s > 1 ? s + 1 : 1), pool.Kernel);
        Assert.Equal(pool.Kernel.Select(k => k / 2), pool.Padding);
        using var x = Tensor.Randn([1, 3 + size.Aggregate(1, (a, s) => a * s), 5], new Generator(2));
        using var y = TokenPooling.Pool(x, 3, size, pool, out var newSize);
        Assert.Equal(expected, newSize);
        Assert.Equal(3 + expected.Aggregate(1, (a, s) => a * s), y.Shape[1]);
        // Prefix tokens pass through untouched.
        using var before = x.Narrow(1, 0, 3);
        using var after = y.Narrow(1, 0, 3);
        Assert.Equal(before.ToArray(), after.ToArray());
    }

    [Fact]
    public void Attention_OnAnOddGridWithQueryStride_RejectsTheUndersizedTableAsTimmDoes()
    {
        // timm sizes the tables from 7 // 2 = 3 (5 rows), but the conv pools 7 to 4 (7 rows needed); timm fails with
        // an index error there, and so does this implementation, with the sizes in the message.
        var g = new Generator(1);
        var attn = new MultiScaleAttention(8, 8, (7, 7), 2, Tiny, (2, 2), (2, 2), g);
        Assert.Equal(5, attn.RelPosH!.Shape[0]);
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([1, 49, 8], g);
        var e = Assert.Throws<ArgumentException>(() => attn.Forward(x, (7, 7), out _));
        Assert.Contains("5 rows cannot cover 4 queries by 4 keys", e.Message);
    }

    [Fact]
    public void Block_WithClassToken_PoolsShortcutAndAttentionToTheSameGrid()
    {
        var g = new Generator(3);
        var config = Tiny with { UseClsToken = true };
        var block = new MultiScaleBlock(8, 16, 2, (8, 8), config, (2, 2), (2, 2), 0f, g);
        using var noGrad = Grad.Disabled();
        using var x = Tensor.Randn([2, 1 + 64, 8], g);
        var size = (H: 8, W: 8);
        using var y = block.Forward(x, ref size);
        Assert.Equal((4, 4), size);
        Assert.Equal(new[] { 2, 1 + 16, 16 }, y.Shape.ToArray());
    }

    [Fact]
    public void VideoAttention_TableSizesFollowTheConfiguredGrid()
    {
        // mvit_v2_s block 1 at 16x224x224: grid 8x56x56, queries halved, keys/values pooled by 4.
        var cnf = new MSBlockConfig { NumHeads = 2, InputChannels = 96, OutputChannels = 192, KernelQ = [3, 3, 3], KernelKv = [3, 3, 3], StrideQ = [1, 2, 2], StrideKv = [1, 4, 4] };
        var config = new VideoMViTConfig { RelPosEmbed = true, ResidualPool = true, ProjAfterAttn = true };
        var attn = new MultiscaleAttention([8, 56, 56], 96, 192, cnf, true, false, true, 0f, new Generator(4));
        Assert.Equal(new[] { 55, 96 }, attn.RelPosH!.Shape.ToArray());
        Assert.Equal(new[] { 15, 96 }, attn.RelPosT!.Shape.ToArray());
        var block = new MultiscaleBlock([8, 56, 56], cnf, config, 0f, 0f, new Generator(5));
        Assert.NotNull(block.PoolSkip);
        Assert.NotNull(block.Project);
    }
}
