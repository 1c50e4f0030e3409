using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Beit;

/// <summary>
/// BEiT (Bao et al., "BEiT: BERT Pre-Training of Image Transformers", 2022), structured and keyed as timm's
/// <c>Beit</c>: a ViT whose attention adds a learned relative position bias (with three extra entries for the
/// class token), whose q and v projections have separate biases (k has none), and whose residual branches are
/// scaled by layer-scale vectors <c>gamma_1</c>/<c>gamma_2</c>. The head averages the patch tokens and applies
/// <c>fc_norm</c> (the final <c>norm</c> is then Identity).
/// </summary>
public sealed class Beit : Module<Tensor, Tensor>, IImageClassifier, ICheckpointFilter
{
    /// <summary>LayerNorm epsilon of timm's <c>LayerNorm</c>.</summary>
    public const float NormEps = 1e-6f;

    private readonly Generator _generator;

    /// <summary>Builds the model with timm's initialisation (including BEiT's depth-scaled output projections).</summary>
    public Beit(BeitConfig config)
    {
        Validate(config);
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        var d = config.EmbedDim;
        NumClasses = config.NumClasses;
        UseFcNorm = config.GlobalPool == "avg";

        PatchEmbed = Register("patch_embed", new PatchEmbed(config.ImgSize, config.PatchSize, config.InChans, d, g));
        var grid = PatchEmbed.GridSize;
        ClsToken = RegisterParameter("cls_token", Tensor.Zeros(1, 1, d));
        if (config.UseAbsPosEmb)
            PosEmbed = RegisterParameter("pos_embed", Tensor.Zeros(1, PatchEmbed.NumPatches + 1, d));
        PosDrop = Register("pos_drop", new Dropout(config.PosDropRate));
        if (config.UseSharedRelPosBias)
            RelPosBias = Register("rel_pos_bias", new RelativePositionBias(grid, config.NumHeads));
        Blocks = Register("blocks", new ModuleList<Block>());
        for (var i = 0; i < config.Depth; i++)
        {
            var dpr = config.Depth > 1 ? config.DropPathRate * i / (config.Depth - 1) : 0f;
            Blocks.Add(new Block(config, dpr, config.UseRelPosBias ? grid : null, g));
        }
        Norm = Register<Module<Tensor, Tensor>>("norm", UseFcNorm ? new Identity() : new LayerNorm(d, NormEps));
        FcNorm = Register<Module<Tensor, Tensor>>("fc_norm", UseFcNorm ? new LayerNorm(d, NormEps) : new Identity());
        HeadDrop = Register("head_drop", new Dropout(config.DropRate));
        Head = Register("head", NewHead(NumClasses));
        InitWeights(g);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public BeitConfig Config { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures => Config.EmbedDim;

    /// <summary>Whether the head normalises after pooling (global_pool 'avg') instead of before.</summary>
    public bool UseFcNorm { get; }

    /// <summary>Image to patch tokens.</summary>
    public PatchEmbed PatchEmbed { get; }

    /// <summary>[1, 1, D] class token.</summary>
    public Tensor ClsToken { get; }

    /// <summary>[1, 1 + N, D] absolute position embedding, or null (the BEiT default uses relative bias only).</summary>
    public Tensor? PosEmbed { get; }

    /// <summary>Dropout after the embedding.</summary>
    public Dropout PosDrop { get; }

    /// <summary>The relative position bias shared by all blocks, or null.</summary>
    public RelativePositionBias? RelPosBias { get; }

    /// <summary>The transformer blocks.</summary>
    public ModuleList<Block> Blocks { get; }

    /// <summary>Final norm (Identity when fc_norm is used).</summary>
    public Module<Tensor, Tensor> Norm { get; }

    /// <summary>Norm after pooling (Identity unless global_pool is 'avg').</summary>
    public Module<Tensor, Tensor> FcNorm { get; }

    /// <summary>Dropout before the classifier.</summary>
    public Dropout HeadDrop { get; }

    /// <summary>The classifier (Identity without classes).</summary>
    public Module<Tensor, Tensor> Head { get; private set; }

    private static void Validate(BeitConfig c)
    {
        if (c.SwigluMlp)
            throw new NotSupportedException("BEiT: swiglu_mlp is not supported");
        if (c.GlobalPool is not ("avg" or "token"))
            throw new ArgumentException($"BEiT: global_pool '{c.GlobalPool}' is not one of 'avg', 'token'");
        if (c.NumHeads <= 0 || c.EmbedDim % c.NumHeads != 0)
            throw new ArgumentException($"BEiT: embed_dim {c.EmbedDim} is not divisible by {c.NumHeads} heads");
    }

    private Module<Tensor, Tensor> NewHead(int classes) =>
        classes > 0 ? new Linear(Config.EmbedDim, classes, _generator) : new Identity();

    private void InitWeights(Generator g)
    {
        // timm: trunc_normal(.02) on every Linear with zero bias; LayerNorm 1/0; trunc_normal(.02) on pos_embed and
        // cls_token; q/v biases and relative position tables stay zero; the patch projection keeps PyTorch's init.
        Init.TruncNormalLinears(this, g);
        if (PosEmbed is not null)
            Init.TruncNormal(PosEmbed, g);
        Init.TruncNormal(ClsToken, g);
        using var noGrad = Grad.Disabled();
        // fix_init_weight: the output projections of block l (1-based) are divided by sqrt(2l).
        for (var i = 0; i < Blocks.Count; i++)
        {
            var scale = 1f / MathF.Sqrt(2f * (i + 1));
            Blocks[i].Attn.Proj.Weight.Mul_(scale);
            Blocks[i].Mlp.Fc2.Weight.Mul_(scale);
        }
        if (Head is Linear head && Config.HeadInitScale != 0)
        {
            Init.TruncNormal(head.Weight, g);
            head.Weight.Mul_(Config.HeadInitScale);
            head.Bias!.Mul_(Config.HeadInitScale);
        }
    }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → tokens [B, 1 + N, D] (class token first) after the final norm.</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        var current = Embed(x);
        using var shared = RelPosBias?.Forward();               // [heads, 1 + N, 1 + N] or null
        foreach (var block in Blocks)
        {
            var next = block.Forward(current, shared);
            current.Dispose();
            current = next;
        }
        using (current)
            return Norm.Forward(current);
    }

    /// <summary>Patch embedding, class token, optional absolute position embedding and dropout.</summary>
    private Tensor Embed(Tensor x)
    {
        using var patches = PatchEmbed.Forward(x);              // [B, N, D]
        using var cls = ClsToken.Expand(patches.Shape[0], -1, -1);
        using var tokens = Tensor.Cat([cls, patches], 1);       // [B, 1 + N, D]
        using var withPos = PosEmbed is null ? tokens.Identity() : tokens + PosEmbed;
        return PosDrop.Forward(withPos);
    }

    /// <summary>Mean of the patch tokens ('avg') or the class token ('token'), then fc_norm, dropout and the head.</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var pooled = Config.GlobalPool == "avg" ? MeanOfPatches(features) : features.Select(1, 0);
        using var normed = FcNorm.Forward(pooled);
        using var dropped = HeadDrop.Forward(normed);
        return preLogits ? dropped.Identity() : Head.Forward(dropped);
    }

    private static Tensor MeanOfPatches(Tensor x)
    {
        using var patches = x.Narrow(1, 1, x.Shape[1] - 1);
        return patches.Mean(1);
    }

    /// <inheritdoc/>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, Blocks.Count);
        var (b, h, w) = (x.Shape[0], x.Shape[2] / Config.PatchSize.H, x.Shape[3] / Config.PatchSize.W);
        var outputs = new List<Tensor>();
        var current = Embed(x);
        using var shared = RelPosBias?.Forward();
        for (var i = 0; i < Blocks.Count; i++)
        {
            var next = Blocks[i].Forward(current, shared);
            current.Dispose();
            current = next;
            if (take.Contains(i))
            {
                // Patch tokens as an NCHW map, class token dropped (timm's default output_fmt).
                using var patches = current.Narrow(1, 1, h * w);
                using var grid = patches.Reshape(b, h, w, Config.EmbedDim);
                outputs.Add(grid.Permute(0, 3, 1, 2).Contiguous());
            }
        }
        using (current)
            return (Norm.Forward(current), outputs);
    }

    /// <summary>Replaces the head with a freshly initialised classifier (PyTorch's default Linear init, as timm).</summary>
    public void ResetClassifier(int numClasses)
    {
        NumClasses = numClasses;
        Head = ReplaceChild("head", NewHead(numClasses));
    }

    /// <summary>
    /// timm's BEiT <c>checkpoint_filter_fn</c>: drops the <c>relative_position_index</c> (and zero <c>k_bias</c>)
    /// buffers that older checkpoints store, and resamples <c>pos_embed</c> to this model's grid (bicubic,
    /// antialiased, class token kept). Relative position tables of another window size are not resampled.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var own = StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var filtered = new Dictionary<string, Tensor>(stateDict.Count);
        foreach (var (key, value) in stateDict)
        {
            if (key.EndsWith("relative_position_index", StringComparison.Ordinal) || key.EndsWith("attn.k_bias", StringComparison.Ordinal))
                continue;
            if (key.EndsWith("relative_position_bias_table", StringComparison.Ordinal) && own.TryGetValue(key, out var table) && table.Shape != value.Shape)
                throw new NotSupportedException($"{key}: checkpoint table {value.Shape} is for another window than this model's {table.Shape}; resizing relative position tables is not supported");
            if (key == "pos_embed" && PosEmbed is not null && value.Shape != PosEmbed.Shape)
            {
                var oldTokens = value.Shape[1] - 1;
                var side = (int)Math.Round(Math.Sqrt(oldTokens));
                if (side * side != oldTokens)
                    throw new ArgumentException($"pos_embed {value.Shape}: {oldTokens} patch positions do not form a square grid");
                filtered[key] = Vit.VisionTransformer.ResamplePosEmbed(value, PatchEmbed.GridSize, (side, side), numPrefixTokens: 1);
                continue;
            }
            filtered[key] = value;
        }
        return filtered;
    }

    /// <summary>
    /// A BEiT block: x + drop_path(γ₁ · attn(norm1(x), bias)), then x + drop_path(γ₂ · mlp(norm2(x))), with
    /// the layer-scale vectors γ registered as <c>gamma_1</c>/<c>gamma_2</c> when init_values is set.
    /// </summary>
    public sealed class Block : Module<Tensor, Tensor>
    {
        /// <summary>Creates the block; <paramref name="windowSize"/> (the patch grid) enables its own relative position bias.</summary>
        public Block(BeitConfig c, float dropPath, (int H, int W)? windowSize, Generator g)
        {
            var d = c.EmbedDim;
            if (c.InitValues is { } iv && iv != 0)
            {
                Gamma1 = RegisterParameter("gamma_1", Tensor.Full([d], iv));
                Gamma2 = RegisterParameter("gamma_2", Tensor.Full([d], iv));
            }
            Norm1 = Register("norm1", new LayerNorm(d, NormEps));
            Attn = Register("attn", new Attention(d, c.NumHeads, c.QkvBias, c.AttnDropRate, c.ProjDropRate, windowSize, g));
            DropPath1 = Register("drop_path1", new DropPath(dropPath));
            Norm2 = Register("norm2", new LayerNorm(d, NormEps));
            Mlp = Register("mlp", new Mlp(d, g, (int)(d * c.MlpRatio), drop: c.ProjDropRate, useNorm: c.ScaleMlp, normEps: NormEps));
            DropPath2 = Register("drop_path2", new DropPath(dropPath));
        }

        /// <summary>[D] layer scale of the attention branch, or null.</summary>
        public Tensor? Gamma1 { get; }

        /// <summary>[D] layer scale of the MLP branch, or null.</summary>
        public Tensor? Gamma2 { get; }

        /// <summary>Norm before attention.</summary>
        public LayerNorm Norm1 { get; }

        /// <summary>Self-attention with relative position bias.</summary>
        public Attention Attn { get; }

        /// <summary>Stochastic depth of the attention branch.</summary>
        public DropPath DropPath1 { get; }

        /// <summary>Norm before the MLP.</summary>
        public LayerNorm Norm2 { get; }

        /// <summary>Feed-forward block.</summary>
        public Mlp Mlp { get; }

        /// <summary>Stochastic depth of the MLP branch.</summary>
        public DropPath DropPath2 { get; }

        /// <summary>[B, N, D] → [B, N, D] without a shared bias.</summary>
        public override Tensor Forward(Tensor x) => Forward(x, null);

        /// <summary>[B, N, D] → [B, N, D]; <paramref name="sharedRelPosBias"/> [heads, N, N] is added to every attention map.</summary>
        public Tensor Forward(Tensor x, Tensor? sharedRelPosBias)
        {
            using var n1 = Norm1.Forward(x);
            using var a = Attn.Forward(n1, sharedRelPosBias);
            using var s1 = Gamma1 is null ? a.Identity() : a * Gamma1;
            using var d1 = DropPath1.Forward(s1);
            using var x1 = x + d1;
            using var n2 = Norm2.Forward(x1);
            using var m = Mlp.Forward(n2);
            using var s2 = Gamma2 is null ? m.Identity() : m * Gamma2;
            using var d2 = DropPath2.Forward(s2);
            return x1 + d2;
        }
    }

    /// <summary>
    /// BEiT self-attention: one bias-free qkv projection plus learned <c>q_bias</c>/<c>v_bias</c> (k's bias is a
    /// zero, non-persistent <c>k_bias</c> buffer), and softmax(q·kᵀ/√d + B)·v where B is gathered from a
    /// <c>relative_position_bias_table</c> of (2Wh-1)(2Ww-1)+3 rows per head.
    /// </summary>
    public sealed class Attention : Module<Tensor, Tensor>, IStochastic
    {
        private readonly Tensor? _relativePositionIndex;

        /// <summary>Creates the block; without <paramref name="windowSize"/> it has no relative position bias of its own.</summary>
        public Attention(int dim, int numHeads, bool qkvBias, float attnDrop, float projDrop, (int H, int W)? windowSize, Generator g)
        {
            NumHeads = numHeads;
            HeadDim = dim / numHeads;
            AttnDrop = attnDrop;
            var allHeadDim = HeadDim * numHeads;
            if (qkvBias)
            {
                QBias = RegisterParameter("q_bias", Tensor.Zeros(allHeadDim));
                KBias = RegisterBuffer("k_bias", Tensor.Zeros(allHeadDim), persistent: false);
                VBias = RegisterParameter("v_bias", Tensor.Zeros(allHeadDim));
            }
            if (windowSize is { } ws)
            {
                WindowSize = ws;
                RelativePositionBiasTable = RegisterParameter("relative_position_bias_table",
                    Tensor.Zeros(RelativePositionBias.NumRelativeDistance(ws), numHeads));
                _relativePositionIndex = RegisterBuffer("relative_position_index", RelativePositionBias.GenRelativePositionIndex(ws), persistent: false);
            }
            Qkv = Register("qkv", new Linear(dim, allHeadDim * 3, g, bias: false));
            Proj = Register("proj", new Linear(allHeadDim, dim, g));
            ProjDrop = Register("proj_drop", new Dropout(projDrop));
        }

        /// <summary>Number of heads.</summary>
        public int NumHeads { get; }

        /// <summary>Channels per head.</summary>
        public int HeadDim { get; }

        /// <summary>Dropout probability on the attention weights (training only).</summary>
        public float AttnDrop { get; }

        /// <summary>The patch grid the relative position table covers, or null.</summary>
        public (int H, int W)? WindowSize { get; }

        /// <summary>[A] query bias, or null.</summary>
        public Tensor? QBias { get; }

        /// <summary>[A] zero key bias (non-persistent buffer), or null.</summary>
        public Tensor? KBias { get; }

        /// <summary>[A] value bias, or null.</summary>
        public Tensor? VBias { get; }

        /// <summary>[(2Wh-1)(2Ww-1)+3, heads] relative position bias table, or null.</summary>
        public Tensor? RelativePositionBiasTable { get; }

        /// <summary>Joint q, k, v projection (no bias of its own).</summary>
        public Linear Qkv { get; }

        /// <summary>Output projection.</summary>
        public Linear Proj { get; }

        /// <summary>Dropout after the projection.</summary>
        public Dropout ProjDrop { get; }

        /// <inheritdoc/>
        public Generator Generator { get; set; } = new(0);

        /// <summary>[B, N, D] → [B, N, D] without a shared bias.</summary>
        public override Tensor Forward(Tensor x) => Forward(x, null);

        /// <summary>[B, N, D] → [B, N, D]; <paramref name="sharedRelPosBias"/> [heads, N, N] is added to this block's own bias.</summary>
        public Tensor Forward(Tensor x, Tensor? sharedRelPosBias)
        {
            var (b, n) = (x.Shape[0], x.Shape[1]);
            using var qkvBias = QBias is null ? null : Tensor.Cat([QBias, KBias!, VBias!], 0);
            using var qkv = Tensor.Linear(x, Qkv.Weight, qkvBias);            // [B, N, 3A]
            using var heads = qkv.Reshape(b, n, 3, NumHeads, HeadDim);
            using var perm = heads.Permute(2, 0, 3, 1, 4);                     // [3, B, H, N, hd]
            using var q = perm.Select(0, 0);
            using var k = perm.Select(0, 1);
            using var v = perm.Select(0, 2);
            using var bias = AttentionBias(sharedRelPosBias);                  // [1, H, N, N] or null
            var p = Training ? AttnDrop : 0f;
            using var merged = Functional.ScaledDotProductAttentionMergedHeads(q, k, v, bias, p, generator: p > 0 ? Generator : null);  // [B, N, H·hd]
            using var y = Proj.Forward(merged);
            return ProjDrop.Forward(y);
        }

        /// <summary>This block's relative position bias [1, heads, N, N] plus the shared one, or null when there is neither.</summary>
        private Tensor? AttentionBias(Tensor? shared)
        {
            if (RelativePositionBiasTable is null)
                return shared?.Unsqueeze(0);
            using var own = RelativePositionBias.Gather(RelativePositionBiasTable, _relativePositionIndex!);  // [H, N, N]
            using var batched = own.Unsqueeze(0);
            return shared is null ? batched.Identity() : batched + shared;
        }
    }

    /// <summary>
    /// A relative position bias shared by all blocks (timm's <c>RelativePositionBias</c>, with
    /// <c>use_shared_rel_pos_bias</c>), and the index arithmetic the per-block tables use too.
    /// </summary>
    public sealed class RelativePositionBias : Module
    {
        private readonly Tensor _relativePositionIndex;

        /// <summary>Creates a zero table for a <paramref name="windowSize"/> patch grid.</summary>
        public RelativePositionBias((int H, int W) windowSize, int numHeads)
        {
            WindowSize = windowSize;
            RelativePositionBiasTable = RegisterParameter("relative_position_bias_table", Tensor.Zeros(NumRelativeDistance(windowSize), numHeads));
            _relativePositionIndex = RegisterBuffer("relative_position_index", GenRelativePositionIndex(windowSize), persistent: false);
        }

        /// <summary>The patch grid.</summary>
        public (int H, int W) WindowSize { get; }

        /// <summary>[(2Wh-1)(2Ww-1)+3, heads].</summary>
        public Tensor RelativePositionBiasTable { get; }

        /// <summary>The bias [heads, 1 + Wh·Ww, 1 + Wh·Ww].</summary>
        public Tensor Forward() => Gather(RelativePositionBiasTable, _relativePositionIndex);

        /// <summary>Rows of the table: (2Wh-1)(2Ww-1) patch offsets, then cls→token, token→cls and cls→cls.</summary>
        public static int NumRelativeDistance((int H, int W) window) => (2 * window.H - 1) * (2 * window.W - 1) + 3;

        /// <summary>
        /// The int64 [1 + A, 1 + A] table index of every (query, key) pair, A = Wh·Ww, token 0 being the class token:
        /// patch pairs map their offset (Δh + Wh - 1)(2Ww - 1) + (Δw + Ww - 1); row 0 (cls → token) uses
        /// entry R-3, column 0 (token → cls) R-2 and (0, 0) (cls → cls) R-1, R = <see cref="NumRelativeDistance"/>.
        /// </summary>
        public static Tensor GenRelativePositionIndex((int H, int W) window)
        {
            var area = window.H * window.W;
            var size = area + 1;
            var rows = NumRelativeDistance(window);
            var index = new long[size * size];
            for (var i = 0; i < area; i++)
            {
                var (hi, wi) = (i / window.W, i % window.W);
                for (var j = 0; j < area; j++)
                {
                    var (hj, wj) = (j / window.W, j % window.W);
                    index[(i + 1) * size + j + 1] = (hi - hj + window.H - 1) * (2 * window.W - 1) + (wi - wj + window.W - 1);
                }
            }
            for (var j = 0; j < size; j++)
                index[j] = rows - 3;                 // cls → token
            for (var i = 0; i < size; i++)
                index[i * size] = rows - 2;          // token → cls
            index[0] = rows - 1;                     // cls → cls
            return Tensor.FromArray(index, size, size);
        }

        /// <summary>table[index] as [heads, N, N]: [R, heads] gathered by an [N, N] index.</summary>
        public static Tensor Gather(Tensor table, Tensor index)
        {
            var n = index.Shape[0];
            using var flat = index.Reshape(n * n);
            using var rows = table.IndexSelect(0, flat);          // [N·N, H]
            using var square = rows.Reshape(n, n, table.Shape[1]);
            return square.Permute(2, 0, 1).Contiguous();         // [H, N, N]
        }
    }
}
