using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>
/// Decomposed relative position embeddings of MViTv2 (Li et al., 2022, §3.1). The bias of query i on key j is
/// qᵢ · (R_t[t(i) − t(j)] + R_h[h(i) − h(j)] + R_w[w(i) − w(j)]): one learned table per axis instead of one per
/// (Δt, Δh, Δw) triple, computed axis by axis and broadcast over the others.
/// </summary>
/// <remarks>
/// When queries and keys are pooled to different sizes, positions are first scaled to the finer grid: with
/// r_q = max(k/q, 1) and r_k = max(q/k, 1), the table row of (i, j) is ⌊i·r_q − j·r_k + (k − 1)·r_k⌋, computed in
/// float32 like the references (timm's <c>cal_rel_pos_type</c>, torchvision's <c>_add_rel_pos</c>).
/// </remarks>
internal static class RelativePosition
{
    /// <summary>
    /// Table rows for every (query, key) pair along one axis, row-major [qSize, kSize]. The two references
    /// group the float32 arithmetic differently (<paramref name="torchvisionOrder"/>); the results agree except where
    /// float32 rounding lands on an integer boundary.
    /// </summary>
    public static long[] Distance(int qSize, int kSize, bool torchvisionOrder = false)
    {
        if (qSize <= 0 || kSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(qSize), $"relative position: sizes must be positive, got q={qSize}, k={kSize}");
        var qRatio = Math.Max((double)kSize / qSize, 1.0);
        var kRatio = Math.Max((double)qSize / kSize, 1.0);
        var qr = (float)qRatio;
        var kr = (float)kRatio;
        var offset = (float)((kSize - 1) * kRatio);
        var kShift = (float)(1.0 - kSize);
        var rows = new long[qSize * kSize];
        for (var i = 0; i < qSize; i++)
        {
            for (var j = 0; j < kSize; j++)
            {
                float d;
                if (torchvisionOrder)
                {
                    // arange(q)[:, None] * q_ratio - (arange(k)[None, :] + (1 - k)) * k_ratio
                    d = i * qr - (j + kShift) * kr;
                }
                else
                {
                    // arange(q)[:, None] * q_ratio - arange(k)[None, :] * k_ratio, then += (k - 1) * k_ratio
                    d = i * qr - j * kr;
                    d += offset;
                }
                rows[i * kSize + j] = (long)d;   // .long() truncates toward zero
            }
        }
        return rows;
    }

    /// <summary>Number of table rows that <see cref="Distance"/> can address for the given sizes (torchvision: 2·max(q, k) − 1).</summary>
    public static int TableSize(int qSize, int kSize) => 2 * Math.Max(qSize, kSize) - 1;

    /// <summary>The embeddings of every (query, key) pair along one axis: [L, C] table → [qSize, kSize, C].</summary>
    public static Tensor Lookup(Tensor table, int qSize, int kSize, bool torchvisionOrder = false)
    {
        var rows = Distance(qSize, kSize, torchvisionOrder);
        var needed = rows.Max() + 1;
        if (needed > table.Shape[0] || rows.Min() < 0)
            throw new ArgumentException(
                $"relative position table of {table.Shape[0]} rows cannot cover {qSize} queries by {kSize} keys (needs {needed}): " +
                "the token grid differs from the one the table was sized for (a larger input, or an odd grid that size // stride undercounts)");
        using var index = Tensor.FromArray(rows, rows.Length);
        using var picked = table.IndexSelect(0, index);                  // [q·k, C]
        return picked.Reshape(qSize, kSize, table.Shape[1]);
    }

    /// <summary>
    /// Linearly resamples a [L, C] table to <paramref name="rows"/> rows (torch <c>interpolate(mode='linear')</c>,
    /// align_corners=False), as torchvision's <c>_interpolate</c> and timm's checkpoint filter do when the grid differs
    /// from the one the table was made for.
    /// </summary>
    public static Tensor Interpolate(Tensor table, int rows)
    {
        if (table.Shape[0] == rows)
            return table.Identity();
        using var channels = table.Transpose(0, 1);                      // [C, L]
        using var batched = channels.Unsqueeze(0);                       // [1, C, L]
        using var resized = Functional.Interpolate(batched, [rows], InterpolationMode.Linear);
        using var back = resized.Squeeze(0);                             // [C, rows]
        using var t = back.Transpose(0, 1);                              // [rows, C]
        return t.Contiguous();
    }

    /// <summary>
    /// The additive attention bias of the decomposed relative positions.
    /// </summary>
    /// <param name="q">Pooled queries [B, heads, prefix + Nq, C], Nq = ∏ <paramref name="qSize"/>.</param>
    /// <param name="prefix">Leading tokens (class token) that get no bias.</param>
    /// <param name="qSize">Query grid, e.g. (h, w) or (t, h, w).</param>
    /// <param name="kSize">Key grid with the same axes.</param>
    /// <param name="tables">One [L, C] table per axis, in the order of the grid axes.</param>
    /// <param name="torchvisionOrder">Use torchvision's float32 grouping for the table rows.</param>
    /// <returns>[B, heads, prefix + Nq, prefix + Nk], zero in the prefix rows and columns.</returns>
    public static Tensor Bias(Tensor q, int prefix, IReadOnlyList<int> qSize, IReadOnlyList<int> kSize, IReadOnlyList<Tensor> tables,
        bool torchvisionOrder = false)
    {
        var axes = qSize.Count;
        if (kSize.Count != axes || tables.Count != axes)
            throw new ArgumentException($"relative position: {axes} query axes, {kSize.Count} key axes and {tables.Count} tables");
        var (b, heads, c) = (q.Shape[0], q.Shape[1], q.Shape[3]);
        var nq = qSize.Aggregate(1, (a, s) => a * s);
        var nk = kSize.Aggregate(1, (a, s) => a * s);
        if (q.Shape[2] != prefix + nq)
            throw new ArgumentException($"relative position: queries {q.Shape} do not hold {prefix} prefix tokens and a {string.Join("x", qSize)} grid");

        using var tokens = q.Narrow(2, prefix, nq);
        using var grid = tokens.Reshape([b, heads, .. qSize, c]);        // [B, heads, q0, ..., C]
        Tensor? total = null;
        try
        {
            for (var a = 0; a < axes; a++)
            {
                using var rel = PerAxis(grid, a, qSize, kSize[a], tables[a], torchvisionOrder);   // [B, heads, q0, ..., k_a]
                // Place k_a at its own key axis so the axes broadcast to [B, heads, q0, ..., k0, k1, ...].
                var shape = new int[2 + 2 * axes];
                shape[0] = b;
                shape[1] = heads;
                for (var i = 0; i < axes; i++)
                {
                    shape[2 + i] = qSize[i];
                    shape[2 + axes + i] = i == a ? kSize[a] : 1;
                }
                using var placed = rel.Reshape(shape);
                var next = total is null ? placed.Identity() : total + placed;
                total?.Dispose();
                total = next;
            }
            using var flat = total!.Reshape(b, heads, nq, nk);
            return prefix == 0 ? flat.Contiguous() : flat.Pad([prefix, 0, prefix, 0]);
        }
        finally
        {
            total?.Dispose();
        }
    }

    /// <summary>qᵢ · R_a[a(i), k] for every query i and key position k along axis <paramref name="axis"/>: [B, heads, q0, ..., k_a].</summary>
    private static Tensor PerAxis(Tensor grid, int axis, IReadOnlyList<int> qSize, int kSize, Tensor table, bool torchvisionOrder)
    {
        var axes = qSize.Count;
        var (b, heads, c) = (grid.Shape[0], grid.Shape[1], grid.Shape[^1]);
        var qa = qSize[axis];
        var rest = 1;
        // Move the axis in front of the other query axes: [B, heads, q_a, others..., C].
        var perm = new List<int> { 0, 1, 2 + axis };
        var others = new List<int>();
        for (var i = 0; i < axes; i++)
        {
            if (i == axis)
                continue;
            perm.Add(2 + i);
            others.Add(qSize[i]);
            rest *= qSize[i];
        }
        perm.Add(2 + axes);
        using var r = Lookup(table, qa, kSize, torchvisionOrder);       // [q_a, k_a, C]
        using var rt = r.Transpose(1, 2);                                // [q_a, C, k_a]
        using var moved = grid.Permute([.. perm]);
        using var rows = moved.Reshape(b, heads, qa, rest, c);
        using var product = rows.MatMul(rt);                             // [B, heads, q_a, rest, k_a]
        using var unflat = product.Reshape([b, heads, qa, .. others, kSize]);
        // Inverse permutation over the query axes; k_a stays last.
        var inverse = new int[axes + 3];
        for (var i = 0; i < perm.Count - 1; i++)
            inverse[perm[i]] = i;
        inverse[axes + 2] = axes + 2;
        using var back = unflat.Permute(inverse);
        return back.Contiguous();
    }
}
