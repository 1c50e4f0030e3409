using System.Text.RegularExpressions;
using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>
/// MViTv2 for images (Li et al., "MViTv2: Improved Multiscale Vision Transformers for Classification and Detection",
/// 2022), structured and keyed as timm's <c>MultiScaleVit</c>: an overlapping conv patch embedding, stages of
/// pooling-attention blocks that halve the grid and double the width, a final norm, and a pooled linear head.
/// </summary>
public sealed partial class MultiScaleVit : Module<Tensor, Tensor>, IImageClassifier, ICheckpointFilter
{
    private readonly Generator _generator;

    /// <summary>Builds the model with timm's initialisation.</summary>
    public MultiScaleVit(MViTv2Config config)
    {
        config = config.Resolved();
        if (config.PoolFirst)
            throw new NotSupportedException("MViTv2: pool_first is not supported (timm's MultiScaleAttentionPoolFirst cannot run its own forward)");
        if (config.NormLayer != "layernorm")
            throw new NotSupportedException($"MViTv2: norm_layer '{config.NormLayer}' is not supported (layernorm)");
        if (config.ActLayer != "gelu")
            throw new NotSupportedException($"MViTv2: act_layer '{config.ActLayer}' is not supported (timm's MLP always uses GELU)");
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        NumClasses = config.NumClasses;
        GlobalPool = config.GlobalPool ?? (config.UseClsToken ? "token" : "avg");
        NumPrefixTokens = config.UseClsToken ? 1 : 0;

        var embedDim = config.EmbedDim[0];
        PatchEmbed = Register("patch_embed", new ConvPatchEmbed(config.InChans, embedDim, config.PatchKernel, config.PatchStride, config.PatchPadding, g));
        var featSize = (H: config.ImgSize.H / config.PatchStride.H, W: config.ImgSize.W / config.PatchStride.W);
        PatchGrid = featSize;
        if (config.UseClsToken)
        {
            ClsToken = RegisterParameter("cls_token", Tensor.Zeros(1, 1, embedDim));
        }
        if (config.UseAbsPos)
            PosEmbed = RegisterParameter("pos_embed", Tensor.Zeros(1, featSize.H * featSize.W + NumPrefixTokens, embedDim));

        // Stochastic depth grows linearly over all blocks (timm: linspace(0, rate, Σ depths) split per stage).
        var total = config.Depths.Sum();
        var block = 0;
        Stages = Register("stages", new ModuleList<MultiScaleVitStage>());
        for (var i = 0; i < config.Depths.Length; i++)
        {
            var dimOut = config.ExpandAttn ? config.EmbedDim[i] : config.EmbedDim[Math.Min(i + 1, config.Depths.Length - 1)];
            var rates = new float[config.Depths[i]];
            for (var j = 0; j < rates.Length; j++, block++)
                rates[j] = total > 1 ? config.DropPathRate * block / (total - 1) : 0f;
            var stage = new MultiScaleVitStage(embedDim, dimOut, config.Depths[i], config.NumHeads[i], featSize, config,
                config.StrideQ[i], config.StrideKv![i], rates, g);
            Stages.Add(stage);
            embedDim = dimOut;
            featSize = stage.FeatSize;
        }
        NumFeatures = embedDim;
        Norm = Register("norm", new LayerNorm(embedDim, config.NormEps));
        Head = Register("head", new ClassifierHead(embedDim, NumClasses, config.DropRate, g));
        InitWeights(g);
        SetGenerator(g);
    }

    /// <summary>The resolved configuration (per-stage widths, heads and key/value strides spelled out).</summary>
    public MViTv2Config Config { get; }

    /// <summary>Head pooling: "avg" (patch tokens), "token" (class token) or "" (none).</summary>
    public string GlobalPool { get; private set; }

    /// <summary>Class token in front of the patch tokens (0 or 1).</summary>
    public int NumPrefixTokens { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures { get; }

    /// <summary>Patch grid at the configured image size.</summary>
    public (int H, int W) PatchGrid { get; }

    /// <summary>Image to tokens.</summary>
    public ConvPatchEmbed PatchEmbed { get; }

    /// <summary>[1, 1, C] class token, or null.</summary>
    public Tensor? ClsToken { get; }

    /// <summary>[1, prefix + N, C] absolute position embedding, or null.</summary>
    public Tensor? PosEmbed { get; }

    /// <summary>The stages.</summary>
    public ModuleList<MultiScaleVitStage> Stages { get; }

    /// <summary>Final norm.</summary>
    public LayerNorm Norm { get; }

    /// <summary>Dropout and classifier (<c>head.drop</c>, <c>head.fc</c>).</summary>
    public ClassifierHead Head { get; private set; }

    /// <summary>
    /// Parameters that cannot change the output: the bias of each key norm adds the same vector to every key, which
    /// shifts each query's scores by a constant, and softmax ignores that; their gradient is exactly zero.
    /// </summary>
    public IReadOnlyList<string> SoftmaxInvariantParameters =>
        [.. NamedParameters().Select(p => p.Name).Where(n => n.EndsWith(".attn.norm_k.bias", StringComparison.Ordinal))];

    /// <summary>
    /// With the class-token head ("token" pooling), the parameters of the last block that act only on grid tokens
    /// (its query pooling and relative positions): the class token's row never uses them, so they shape
    /// <see cref="ForwardFeatures"/> but not the logits. Empty for other pooling.
    /// </summary>
    public IReadOnlyList<string> ParametersUnusedByHead
    {
        get
        {
            if (GlobalPool != "token")
                return [];
            var last = $"stages.{Stages.Count - 1}.blocks.{Stages[^1].Blocks.Count - 1}.attn.";
            string[] gridOnly = ["rel_pos_h", "rel_pos_w", "pool_q.weight"];
            return [.. NamedParameters().Select(p => p.Name).Where(n => gridOnly.Any(g => n == last + g))];
        }
    }

    private void InitWeights(Generator g)
    {
        // trunc_normal_tf_(std=.02) on the embeddings and every Linear, zero biases; convs and norms keep torch defaults.
        if (PosEmbed is not null)
            Init.TruncNormal(PosEmbed, g, std: 0.02f, a: -0.04f, b: 0.04f);
        if (ClsToken is not null)
            Init.TruncNormal(ClsToken, g, std: 0.02f, a: -0.04f, b: 0.04f);
        Init.TruncNormalLinears(this, g, std: 0.02f, a: -0.04f, b: 0.04f);
    }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → tokens [B, prefix + N, C] after the final norm (N = tokens of the last stage).</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        var current = Embed(x, out var featSize);
        foreach (var stage in Stages)
        {
            var next = stage.Forward(current, ref featSize);
            current.Dispose();
            current = next;
        }
        using (current)
            return Norm.Forward(current);
    }

    /// <summary>Patch embedding, class token and absolute position embedding: [B, prefix + H·W, C] and the grid (H, W).</summary>
    private Tensor Embed(Tensor x, out (int H, int W) featSize)
    {
        using var patches = PatchEmbed.Forward(x, out featSize);        // [B, H·W, C]
        var b = patches.Shape[0];
        using var withCls = ClsToken is null ? patches.Identity() : CatClassToken(ClsToken, patches, b);
        return PosEmbed is null ? withCls.Identity() : withCls + PosEmbed;

        static Tensor CatClassToken(Tensor cls, Tensor patches, int b)
        {
            using var expanded = cls.Expand(b, -1, -1);
            return Tensor.Cat([expanded, patches], 1);
        }
    }

    /// <summary>Pools the tokens as <see cref="GlobalPool"/> says (the mean of the patch tokens, or the class token), then dropout and the classifier.</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var pooled = GlobalPool switch
        {
            "avg" => MeanOfPatches(features),
            "" => features.Identity(),
            _ => features.Select(1, 0),
        };
        return preLogits ? pooled.Contiguous() : Head.Forward(pooled);

        Tensor MeanOfPatches(Tensor f)
        {
            using var patches = f.Narrow(1, NumPrefixTokens, f.Shape[1] - NumPrefixTokens);
            return patches.Mean(1);
        }
    }

    /// <summary>
    /// Runs the stages and returns the outputs of the stages in <paramref name="indices"/> as NCHW maps (class token
    /// dropped), plus the final normalised tokens, as timm's <c>forward_intermediates</c>.
    /// </summary>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, Stages.Count);
        var outputs = new List<Tensor>();
        var current = Embed(x, out var featSize);
        var b = x.Shape[0];
        for (var i = 0; i < Stages.Count; i++)
        {
            var next = Stages[i].Forward(current, ref featSize);
            current.Dispose();
            current = next;
            if (take.Contains(i))
            {
                using var patches = current.Narrow(1, NumPrefixTokens, featSize.H * featSize.W);
                using var grid = patches.Reshape(b, featSize.H, featSize.W, current.Shape[2]);
                using var nchw = grid.Permute(0, 3, 1, 2);
                outputs.Add(nchw.Contiguous());
            }
        }
        using (current)
            return (Norm.Forward(current), outputs);
    }

    /// <inheritdoc/>
    public void ResetClassifier(int numClasses) => ResetClassifier(numClasses, null);

    /// <summary>Replaces the classifier (and optionally the pooling), as timm's <c>reset_classifier</c>.</summary>
    public void ResetClassifier(int numClasses, string? globalPool)
    {
        NumClasses = numClasses;
        if (globalPool is not null)
            GlobalPool = globalPool;
        var head = new ClassifierHead(NumFeatures, numClasses, Config.DropRate, _generator);
        head.Train(Training);
        head.SetGenerator(_generator);
        Head = ReplaceChild("head", head);
    }

    /// <summary>
    /// timm's <c>checkpoint_filter_fn</c>: a timm checkpoint gets relative-position tables linearly resampled when their
    /// length differs from this model's; an original (facebookresearch/mvit) checkpoint has its flat
    /// <c>blocks.{i}</c> renumbered into <c>stages.{s}.blocks.{j}</c>, the block <c>proj</c> renamed to the shortcut
    /// projection, and <c>head.projection</c> to <c>head.fc</c>.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var own = StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        if (stateDict.ContainsKey("stages.0.blocks.0.norm1.weight"))
        {
            Dictionary<string, Tensor>? resized = null;
            foreach (var (key, value) in stateDict)
            {
                if (!key.Contains("rel_pos", StringComparison.Ordinal) || !own.TryGetValue(key, out var target) ||
                    value.Rank != 2 || value.Shape[0] == target.Shape[0])
                    continue;
                resized ??= new Dictionary<string, Tensor>(stateDict);
                using (Grad.Disabled())
                    resized[key] = RelativePosition.Interpolate(value, target.Shape[0]);
            }
            return resized ?? stateDict;
        }

        // Original checkpoints number the blocks globally.
        var stageOf = new List<(int Stage, int Block)>();
        for (var s = 0; s < Config.Depths.Length; s++)
            for (var j = 0; j < Config.Depths[s]; j++)
                stageOf.Add((s, j));
        var shortcut = Config.ExpandAttn ? "shortcut_proj_attn" : "shortcut_proj_mlp";
        var remapped = new Dictionary<string, Tensor>();
        foreach (var (key, value) in stateDict)
        {
            var k = GlobalBlock().Replace(key, m =>
            {
                var (s, j) = stageOf[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)];
                return $"stages.{s}.blocks.{j}";
            });
            k = BlockProj().Replace(k, $"stages.$1.blocks.$2.{shortcut}");
            if (k.Contains("head", StringComparison.Ordinal))
                k = k.Replace("head.projection", "head.fc", StringComparison.Ordinal);
            remapped[k] = value;
        }
        return remapped;
    }

    [GeneratedRegex(@"blocks\.(\d+)")]
    private static partial Regex GlobalBlock();

    [GeneratedRegex(@"stages\.(\d+).blocks\.(\d+).proj")]
    private static partial Regex BlockProj();

    /// <summary>MViT's overlapping patch embedding: a strided, padded conv, flattened to tokens. Key: <c>proj</c>.</summary>
    public sealed class ConvPatchEmbed : Module
    {
        /// <summary>Creates the layer.</summary>
        public ConvPatchEmbed(int inChans, int dim, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, Generator g)
        {
            Proj = Register("proj", new Conv2d(inChans, dim, kernel, g, stride, padding));
        }

        /// <summary>The patch projection.</summary>
        public Conv2d Proj { get; }

        /// <summary>[B, C, H, W] → [B, H'·W', D] and the grid (H', W').</summary>
        public Tensor Forward(Tensor x, out (int H, int W) grid)
        {
            using var y = Proj.Forward(x);                               // [B, D, H', W']
            grid = (y.Shape[2], y.Shape[3]);
            using var flat = y.Flatten(2);
            using var tokens = flat.Transpose(1, 2);
            return tokens.Contiguous();
        }
    }

    /// <summary>timm's MViTv2 head: dropout then the classifier. Keys: <c>fc.*</c>.</summary>
    public sealed class ClassifierHead : Module<Tensor, Tensor>
    {
        /// <summary>Creates the head (an Identity classifier without classes).</summary>
        public ClassifierHead(int dim, int numClasses, float dropRate, Generator g)
        {
            Drop = Register("drop", new Dropout(dropRate));
            Fc = Register<Module<Tensor, Tensor>>("fc", numClasses > 0 ? NewLinear(dim, numClasses, g) : new Identity());
        }

        /// <summary>Dropout before the classifier.</summary>
        public Dropout Drop { get; }

        /// <summary>The classifier (Identity without classes).</summary>
        public Module<Tensor, Tensor> Fc { get; }

        /// <summary>[B, C] → [B, classes].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var d = Drop.Forward(x);
            return Fc.Forward(d);
        }

        private static Linear NewLinear(int dim, int classes, Generator g)
        {
            var fc = new Linear(dim, classes, g);
            Init.TruncNormal(fc.Weight, g, std: 0.02f, a: -0.04f, b: 0.04f);
            Init.Zeros(fc.Bias!);
            return fc;
        }
    }
}
