using System.Text.RegularExpressions;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// Swin Transformer (Liu et al., "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows", 2021),
/// structured and keyed as timm's <c>SwinTransformer</c>: patch embedding with norm, stages of (shifted) window
/// attention blocks with patch merging at the start of every stage after the first, final norm, and an
/// average-pooled linear head. Features stay NHWC throughout.
/// </summary>
public sealed partial class SwinTransformer : Module<Tensor, Tensor>, IImageClassifier, ICheckpointFilter
{
    /// <summary>Builds the model with timm's initialisation.</summary>
    public SwinTransformer(SwinConfig config)
    {
        if (config.Depths.Length == 0 || config.NumHeads.Length != config.Depths.Length)
            throw new ArgumentException($"Swin: {config.Depths.Length} stage depths and {config.NumHeads.Length} head counts must agree and be non-empty");
        Config = config;
        var g = new Generator(config.Seed);
        var numLayers = config.Depths.Length;
        NumFeatures = config.EmbedDim << (numLayers - 1);
        NumClasses = config.NumClasses;

        PatchEmbed = Register("patch_embed", new PatchEmbed(config.ImgSize, config.PatchSize, config.InChans, config.EmbedDim, g,
            useNorm: true, normEps: SwinTransformerBlock.NormEps, strictImgSize: config.StrictImgSize, flatten: false));
        var dpr = DropPathRates(config.DropPathRate, config.Depths);
        Layers = Register("layers", new Sequential());
        var resolution = PatchEmbed.GridSize;
        var inDim = config.EmbedDim;
        for (var i = 0; i < numLayers; i++)
        {
            var outDim = config.EmbedDim << i;
            var stage = new SwinTransformerStage(inDim, outDim, resolution, config.Depths[i], downsample: i > 0, config.NumHeads[i], config, dpr[i], g);
            Layers.Add(stage);
            resolution = stage.OutputResolution;
            inDim = outDim;
        }
        Norm = Register("norm", new LayerNorm(NumFeatures, SwinTransformerBlock.NormEps));
        Head = Register("head", new ClassifierHead(NumFeatures, NumClasses, config.GlobalPool, config.DropRate, g));
        InitWeights(g);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public SwinConfig Config { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures { get; }

    /// <summary>Image to an NHWC grid of patch embeddings (conv, then LayerNorm).</summary>
    public PatchEmbed PatchEmbed { get; }

    /// <summary>The stages.</summary>
    public Sequential Layers { get; }

    /// <summary>Final norm.</summary>
    public LayerNorm Norm { get; }

    /// <summary>Pooling, dropout and classifier.</summary>
    public ClassifierHead Head { get; }

    /// <summary>
    /// Stochastic-depth rate of every block, rising linearly from 0 over all blocks to <paramref name="rate"/>,
    /// grouped by stage (timm's <c>calculate_drop_path_rates(stagewise=True)</c>).
    /// </summary>
    public static float[][] DropPathRates(float rate, IReadOnlyList<int> depths)
    {
        var total = depths.Sum();
        var k = 0;
        var result = new float[depths.Count][];
        for (var s = 0; s < depths.Count; s++)
        {
            result[s] = new float[depths[s]];
            for (var j = 0; j < depths[s]; j++, k++)
                result[s][j] = total > 1 ? rate * k / (total - 1) : 0f;
        }
        return result;
    }

    private void InitWeights(Generator g)
    {
        // timm's default init: trunc_normal(.02) on every Linear with zero bias (the bias tables are drawn in WindowAttention).
        Init.TruncNormalLinears(this, g);
    }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → NHWC features [B, H/(p·2^(S-1)), W/(p·2^(S-1)), C_last] after the final norm.</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        using var patches = PatchEmbed.Forward(x);                         // [B, H/p, W/p, D]
        using var stages = Layers.Forward(patches);
        return Norm.Forward(stages);
    }

    /// <summary>Average over H and W, dropout and the classifier; the pooled features when <paramref name="preLogits"/>.</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false) => Head.Forward(features, preLogits);

    /// <summary>Runs the stages and returns the outputs of those in <paramref name="indices"/> as NCHW maps, plus the normed final features.</summary>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, Layers.Count);
        var outputs = new List<Tensor>();
        var current = PatchEmbed.Forward(x);
        for (var i = 0; i < Layers.Count; i++)
        {
            var next = Layers[i].Forward(current);
            current.Dispose();
            current = next;
            if (take.Contains(i))
            {
                using var nchw = current.Permute(0, 3, 1, 2);
                outputs.Add(nchw.Contiguous());
            }
        }
        using (current)
            return (Norm.Forward(current), outputs);
    }

    /// <inheritdoc/>
    public void ResetClassifier(int numClasses)
    {
        NumClasses = numClasses;
        Head.Reset(numClasses);
    }

    /// <summary>
    /// timm's <c>checkpoint_filter_fn</c>: drops the non-persistent <c>relative_position_index</c> and
    /// <c>attn_mask</c> buffers, renames checkpoints from before timm 0.9 (patch merging at the end of a stage,
    /// head without <c>fc</c>), and resizes relative-position bias tables trained for another window size.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var oldLayout = !stateDict.ContainsKey("head.fc.weight");
        var attention = NamedModules().Where(m => m.Module is WindowAttention)
            .ToDictionary(m => m.Name, m => (WindowAttention)m.Module, StringComparer.Ordinal);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in stateDict)
        {
            if (key.Contains("relative_position_index", StringComparison.Ordinal) || key.Contains("attn_mask", StringComparison.Ordinal))
                continue;
            var k = key;
            if (oldLayout)
            {
                k = OldDownsample().Replace(k, m => $"layers.{int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1}.downsample");
                k = k.Replace("head.", "head.fc.", StringComparison.Ordinal);
            }
            var v = value;
            const string table = ".relative_position_bias_table";
            if (k.EndsWith(table, StringComparison.Ordinal) && attention.TryGetValue(k[..^table.Length], out var attn)
                && v.Shape != attn.RelativePositionBiasTable.Shape)
            {
                v = ResizeRelativePositionBiasTable(v, attn.Window);
            }
            result[k] = v;
        }
        return result;
    }

    [GeneratedRegex(@"layers.(\d+).downsample")]
    private static partial Regex OldDownsample();

    /// <summary>
    /// Resamples a square [(2s-1)², heads] relative-position bias table to a window of <paramref name="window"/>, as
    /// timm's <c>resize_rel_pos_bias_table</c> (default, scipy-free path): the source offsets are placed on a
    /// geometric progression that spans the target range, and the target integer offsets are linearly interpolated.
    /// </summary>
    public static Tensor ResizeRelativePositionBiasTable(Tensor table, (int H, int W) window)
    {
        var (dstH, dstW) = (2 * window.H - 1, 2 * window.W - 1);
        var (srcRows, heads) = (table.Shape[0], table.Shape[1]);
        var src = (int)Math.Sqrt(srcRows);
        if (src * src != srcRows)
            throw new ArgumentException($"relative_position_bias_table {table.Shape}: {srcRows} rows do not form a square offset grid");
        if (src == dstH && src == dstW)
            return table.Identity();
        var ys = GeometricOffsets(src, dstH);
        var xs = GeometricOffsets(src, dstW);
        var ty = Targets(dstH);
        var tx = Targets(dstW);
        using var contiguous = table.Contiguous();
        var values = contiguous.ToArray();
        var result = new float[dstH * dstW * heads];
        for (var i = 0; i < dstH; i++)
        {
            var (y0, y1, dy0, dy1) = Bracket(ys, ty[i]);
            for (var j = 0; j < dstW; j++)
            {
                var (x0, x1, dx0, dx1) = Bracket(xs, tx[j]);
                var denominator = (dy0 + dy1) * (dx0 + dx1);
                for (var h = 0; h < heads; h++)
                {
                    // Each corner is weighted by the distances to the opposite corner (bilinear on an uneven grid).
                    var numerator = values[(y0 * src + x0) * heads + h] * (dy1 * dx1)
                        + values[(y0 * src + x1) * heads + h] * (dy1 * dx0)
                        + values[(y1 * src + x0) * heads + h] * (dy0 * dx1)
                        + values[(y1 * src + x1) * heads + h] * (dy0 * dx0);
                    result[(i * dstW + j) * heads + h] = numerator / denominator;
                }
            }
        }
        return Tensor.FromArray(result, dstH * dstW, heads);
    }

    /// <summary>Source offsets -d_k … 0 … d_k with d growing geometrically so that the last one lands near dst/2.</summary>
    private static float[] GeometricOffsets(int src, int dst)
    {
        double left = 1.01, right = 1.5, q = 0;
        while (right - left > 1e-6)
        {
            q = (left + right) / 2.0;
            var gp = (1.0 - Math.Pow(q, src / 2)) / (1.0 - q);
            if (gp > dst / 2)
                right = q;
            else
                left = q;
        }
        var dis = new double[src / 2];
        var cur = 1.0;
        for (var i = 0; i < dis.Length; i++)
        {
            dis[i] = cur;
            cur += Math.Pow(q, i + 1);
        }
        return [.. dis.Reverse().Select(d => (float)-d), 0f, .. dis.Select(d => (float)d)];
    }

    /// <summary>The integer target offsets -(n/2) … n/2 as float32.</summary>
    private static float[] Targets(int n)
    {
        var t = (float)(n / 2);
        return [.. Enumerable.Range(0, n).Select(i => -t + i)];
    }

    /// <summary>Neighbouring grid points of <paramref name="x"/> and its distances to them (timm's RegularGridInterpolator).</summary>
    private static (int Left, int Right, float DistLeft, float DistRight) Bracket(float[] points, float x)
    {
        var right = 0;
        while (right < points.Length && points[right] < x)
            right++;                                                       // torch.bucketize(right=False)
        right = Math.Min(right, points.Length - 1);
        var left = Math.Clamp(right - 1, 0, points.Length - 1);
        var dl = Math.Max(x - points[left], 0f);
        var dr = Math.Max(points[right] - x, 0f);
        if (dl == 0 && dr == 0)
            (dl, dr) = (1f, 1f);
        return (left, right, dl, dr);
    }
}
