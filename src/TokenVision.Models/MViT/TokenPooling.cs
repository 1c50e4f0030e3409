using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>
/// Pools token sequences on their spatial (or spatio-temporal) grid, as MViT's pooling attention and pooled
/// shortcuts do (Fan et al., 2021, §3.1): the grid tokens are laid out as a channels-first map, pooled, and flattened
/// back, while prefix tokens (the class token) pass through unpooled.
/// </summary>
internal static class TokenPooling
{
    /// <summary>
    /// [B, heads, prefix + L, C] → [B, heads, prefix + L', C] with L = ∏ <paramref name="size"/>; a rank-3 input
    /// [B, prefix + L, C] is treated as one head.
    /// </summary>
    /// <param name="x">Tokens.</param>
    /// <param name="prefix">Leading tokens that bypass the pool.</param>
    /// <param name="size">The grid of the pooled tokens, e.g. (h, w) or (t, h, w).</param>
    /// <param name="pool">Maps [N, C, *size] to [N, C, *size'].</param>
    /// <param name="newSize">The grid after pooling.</param>
    public static Tensor Pool(Tensor x, int prefix, IReadOnlyList<int> size, Module<Tensor, Tensor> pool, out int[] newSize)
    {
        if (x.Rank == 3)
        {
            using var one = x.Unsqueeze(1);
            using var pooled = Pool(one, prefix, size, pool, out newSize);
            return pooled.Squeeze(1);
        }
        var (b, heads, n, c) = (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
        var cells = size.Aggregate(1, (a, s) => a * s);
        if (n != prefix + cells)
            throw new ArgumentException($"token pooling: {n} tokens are not {prefix} prefix tokens and a {string.Join("x", size)} grid");
        var axes = size.Count;
        using var tokens = x.Narrow(2, prefix, cells);
        using var grid = tokens.Reshape([b * heads, .. size, c]);        // [B·heads, *size, C]
        var toChannelsFirst = new int[axes + 2];
        toChannelsFirst[1] = axes + 1;
        for (var i = 0; i < axes; i++)
            toChannelsFirst[2 + i] = 1 + i;
        using var map = grid.Permute(toChannelsFirst);                   // [B·heads, C, *size]
        using var contiguous = map.Contiguous();
        using var pooledMap = pool.Forward(contiguous);                  // [B·heads, C, *size']
        newSize = pooledMap.Shape.ToArray()[2..];
        using var flat = pooledMap.Reshape(b, heads, c, -1);
        using var back = flat.Transpose(2, 3);                           // [B, heads, L', C]
        if (prefix == 0)
            return back.Contiguous();
        using var kept = x.Narrow(2, 0, prefix);
        return Tensor.Cat([kept, back], 2);
    }
}
