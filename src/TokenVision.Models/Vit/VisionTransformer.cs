using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Vit;

/// <summary>
/// Vision Transformer (Dosovitskiy et al., "An Image is Worth 16x16 Words", 2021), structured and keyed as
/// timm's <c>VisionTransformer</c>: patch embedding, class (and register) tokens, learned position embedding,
/// pre-norm transformer blocks, final norm, pooled linear head.
/// </summary>
public class VisionTransformer : Module<Tensor, Tensor>, IImageClassifier, ICheckpointFilter
{
    private readonly Generator _generator;

    /// <summary>Builds the model with timm's initialisation.</summary>
    public VisionTransformer(VitConfig config) : this(config, extraPrefixTokens: 0)
    {
    }

    /// <summary>Builds the model with <paramref name="extraPrefixTokens"/> more prefix tokens (DeiT's distillation token).</summary>
    protected VisionTransformer(VitConfig config, int extraPrefixTokens)
    {
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        var d = config.EmbedDim;
        UseFcNorm = config.FcNorm ?? config.GlobalPool is "avg" or "avgmax" or "max";
        NumPrefixTokens = (config.ClassToken ? 1 : 0) + config.RegTokens + extraPrefixTokens;
        NumClasses = config.NumClasses;

        PatchEmbed = Register("patch_embed", new PatchEmbed(config.ImgSize, config.PatchSize, config.InChans, d, g,
            bias: !config.PreNorm, strictImgSize: !config.DynamicImgSize));
        if (config.ClassToken)
            ClsToken = RegisterParameter("cls_token", Tensor.Zeros(1, 1, d));
        if (config.RegTokens > 0)
            RegToken = RegisterParameter("reg_token", Tensor.Zeros(1, config.RegTokens, d));
        var embedLen = config.NoEmbedClass ? PatchEmbed.NumPatches : PatchEmbed.NumPatches + NumPrefixTokens;
        PosEmbed = RegisterParameter("pos_embed", Tensor.Zeros(1, embedLen, d));
        RegisterPrefixTokens(g);
        PosDrop = Register("pos_drop", new Dropout(config.PosDropRate));
        NormPre = Register<Module<Tensor, Tensor>>("norm_pre", config.PreNorm ? new LayerNorm(d, config.NormEps) : new Identity());
        Blocks = Register("blocks", new Sequential());
        for (var i = 0; i < config.Depth; i++)
        {
            var dpr = config.Depth > 1 ? config.DropPathRate * i / (config.Depth - 1) : 0f;
            Blocks.Add(new Block(config, dpr, g));
        }
        Norm = Register<Module<Tensor, Tensor>>("norm", config.FinalNorm && !UseFcNorm ? new LayerNorm(d, config.NormEps) : new Identity());
        FcNorm = Register<Module<Tensor, Tensor>>("fc_norm", config.FinalNorm && UseFcNorm ? new LayerNorm(d, config.NormEps) : new Identity());
        HeadDrop = Register("head_drop", new Dropout(config.DropRate));
        Head = Register<Module<Tensor, Tensor>>("head", NewHead(NumClasses));
        InitWeights(g);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public VitConfig Config { get; }

    /// <summary>Class, register (and distillation) tokens in front of the patch tokens.</summary>
    public int NumPrefixTokens { get; }

    /// <summary>Whether the final norm follows pooling.</summary>
    public bool UseFcNorm { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures => Config.EmbedDim;

    /// <summary>Image to patch tokens.</summary>
    public PatchEmbed PatchEmbed { get; }

    /// <summary>[1, 1, D] class token, or null.</summary>
    public Tensor? ClsToken { get; }

    /// <summary>[1, R, D] register tokens, or null.</summary>
    public Tensor? RegToken { get; }

    /// <summary>[1, L, D] learned position embedding.</summary>
    public Tensor PosEmbed { get; }

    /// <summary>Dropout after the position embedding.</summary>
    public Dropout PosDrop { get; }

    /// <summary>Norm before the blocks (Identity unless pre_norm).</summary>
    public Module<Tensor, Tensor> NormPre { get; }

    /// <summary>The transformer blocks.</summary>
    public Sequential Blocks { get; }

    /// <summary>Final norm (Identity when fc_norm is used).</summary>
    public Module<Tensor, Tensor> Norm { get; }

    /// <summary>Norm after pooling (Identity unless used).</summary>
    public Module<Tensor, Tensor> FcNorm { get; }

    /// <summary>Dropout before the classifier.</summary>
    public Dropout HeadDrop { get; }

    /// <summary>The classifier (Identity without classes).</summary>
    public Module<Tensor, Tensor> Head { get; private set; }

    /// <summary>Registers extra prefix-token parameters of subclasses (after pos_embed, as timm orders the keys).</summary>
    protected virtual void RegisterPrefixTokens(Generator g)
    {
    }

    /// <summary>The prefix tokens of subclasses to place after the class token, expanded to the batch.</summary>
    protected virtual IEnumerable<Tensor> ExtraPrefixTokens(int batch) => [];

    /// <summary>A new classifier head.</summary>
    protected Module<Tensor, Tensor> NewHead(int classes)
    {
        if (classes <= 0)
            return new Identity();
        var head = new Linear(Config.EmbedDim, classes, _generator);
        Init.TruncNormal(head.Weight, _generator);
        Init.Zeros(head.Bias!);
        return head;
    }

    private void InitWeights(Generator g)
    {
        // timm 'jax'-free default: trunc_normal(.02) on pos_embed and every Linear, tiny normal on the tokens.
        Init.TruncNormal(PosEmbed, g);
        if (ClsToken is not null)
            Init.Normal(ClsToken, g, std: 1e-6f);
        if (RegToken is not null)
            Init.Normal(RegToken, g, std: 1e-6f);
        Init.TruncNormalLinears(this, g);
    }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → tokens [B, prefix + N, D] after the final norm.</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        using var tokens = Embed(x);
        using var blocks = Blocks.Forward(tokens);
        return Norm.Forward(blocks);
    }

    /// <summary>Patch embedding, prefix tokens, position embedding, dropout and the pre-norm.</summary>
    private Tensor Embed(Tensor x)
    {
        using var patches = PatchEmbed.Forward(x);
        using var withPos = AddPositionEmbedding(patches, x.Shape[2] / Config.PatchSize.H, x.Shape[3] / Config.PatchSize.W);
        using var dropped = PosDrop.Forward(withPos);
        return NormPre.Forward(dropped);
    }

    /// <summary>Adds the (resampled, for other input sizes) position embedding and concatenates the prefix tokens.</summary>
    private Tensor AddPositionEmbedding(Tensor patches, int gridH, int gridW)
    {
        var b = patches.Shape[0];
        var grid = PatchEmbed.GridSize;
        using var pos = gridH == grid.H && gridW == grid.W
            ? PosEmbed.Identity()
            : ResamplePosEmbed(PosEmbed, (gridH, gridW), grid, Config.NoEmbedClass ? 0 : NumPrefixTokens);
        var prefix = new List<Tensor>();
        try
        {
            if (ClsToken is not null)
                prefix.Add(ClsToken.Expand(b, -1, -1));
            prefix.AddRange(ExtraPrefixTokens(b));
            if (RegToken is not null)
                prefix.Add(RegToken.Expand(b, -1, -1));
            if (Config.NoEmbedClass)
            {
                using var withPos = patches + pos;
                return prefix.Count == 0 ? withPos.Identity() : Tensor.Cat([.. prefix, withPos], 1);
            }
            using var all = prefix.Count == 0 ? patches.Identity() : Tensor.Cat([.. prefix, patches], 1);
            return all + pos;
        }
        finally
        {
            foreach (var t in prefix)
                t.Dispose();
        }
    }

    /// <summary>
    /// Resamples a [1, prefix + h·w, D] position embedding to a new grid with bicubic, antialiased interpolation,
    /// leaving the prefix tokens untouched (timm's <c>resample_abs_pos_embed</c>).
    /// </summary>
    public static Tensor ResamplePosEmbed(Tensor posEmbed, (int H, int W) newSize, (int H, int W) oldSize, int numPrefixTokens)
    {
        var d = posEmbed.Shape[2];
        if (posEmbed.Shape[1] != numPrefixTokens + oldSize.H * oldSize.W)
            throw new ArgumentException($"position embedding {posEmbed.Shape} does not hold {numPrefixTokens} prefix tokens and a {oldSize.H}x{oldSize.W} grid");
        if (newSize == oldSize)
            return posEmbed.Identity();
        using var prefix = posEmbed.Narrow(1, 0, numPrefixTokens);
        using var grid = posEmbed.Narrow(1, numPrefixTokens, oldSize.H * oldSize.W);
        using var img = grid.Reshape(1, oldSize.H, oldSize.W, d);
        using var nchw = img.Permute(0, 3, 1, 2);
        using var resized = Functional.Interpolate(nchw, [newSize.H, newSize.W], InterpolationMode.Cubic, antialias: true);
        using var back = resized.Permute(0, 2, 3, 1);
        using var flat = back.Reshape(1, newSize.H * newSize.W, d);
        return numPrefixTokens == 0 ? flat.Identity() : Tensor.Cat([prefix, flat], 1);
    }

    /// <summary>Pools the tokens as <see cref="VitConfig.GlobalPool"/> says, then fc_norm, dropout and the head.</summary>
    public virtual Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var pooled = Pool(features);
        using var normed = FcNorm.Forward(pooled);
        using var dropped = HeadDrop.Forward(normed);
        return preLogits ? dropped.Identity() : Head.Forward(dropped);
    }

    /// <summary>Token pooling: the class token, or the mean/max of the patch tokens.</summary>
    protected Tensor Pool(Tensor x)
    {
        var n = x.Shape[1];
        switch (Config.GlobalPool)
        {
            case "avg":
            {
                using var patches = x.Narrow(1, NumPrefixTokens, n - NumPrefixTokens);
                return patches.Mean(1);
            }
            case "max":
            {
                using var patches = x.Narrow(1, NumPrefixTokens, n - NumPrefixTokens);
                return patches.Amax([1]);
            }
            case "avgmax":
            {
                using var patches = x.Narrow(1, NumPrefixTokens, n - NumPrefixTokens);
                using var mean = patches.Mean(1);
                using var max = patches.Amax([1]);
                using var sum = mean + max;
                return sum.Mul(0.5f);
            }
            case "token":
                return x.Select(1, 0);
            case "" or "none":
                return x.Identity();
            default:
                throw new InvalidOperationException($"unknown global_pool '{Config.GlobalPool}'");
        }
    }

    /// <inheritdoc/>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, Blocks.Count);
        var (b, h, w) = (x.Shape[0], x.Shape[2] / Config.PatchSize.H, x.Shape[3] / Config.PatchSize.W);
        var outputs = new List<Tensor>();
        var current = Embed(x);
        for (var i = 0; i < Blocks.Count; i++)
        {
            var next = Blocks[i].Forward(current);
            current.Dispose();
            current = next;
            if (take.Contains(i))
            {
                // Patch tokens as an NCHW map, prefix tokens dropped (timm's default output_fmt).
                using var patches = current.Narrow(1, NumPrefixTokens, h * w);
                using var grid = patches.Reshape(b, h, w, Config.EmbedDim);
                outputs.Add(grid.Permute(0, 3, 1, 2).Contiguous());
            }
        }
        using (current)
            return (Norm.Forward(current), outputs);
    }

    /// <inheritdoc/>
    public virtual void ResetClassifier(int numClasses)
    {
        NumClasses = numClasses;
        Head = ReplaceChild("head", NewHead(numClasses));
    }

    /// <summary>
    /// timm's <c>checkpoint_filter_fn</c> quirks: resamples <c>pos_embed</c> to this model's grid when the checkpoint
    /// was trained at another image size (bicubic, antialiased, prefix tokens kept).
    /// </summary>
    public virtual IReadOnlyDictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        if (!stateDict.TryGetValue("pos_embed", out var pos) || pos.Shape == PosEmbed.Shape)
            return stateDict;
        var prefix = Config.NoEmbedClass ? 0 : NumPrefixTokens;
        var oldTokens = pos.Shape[1] - prefix;
        var side = (int)Math.Round(Math.Sqrt(Math.Max(oldTokens, 0)));
        if (oldTokens <= 0 || side * side != oldTokens)
            return stateDict;   // not a square grid of this model's prefix layout: the strict load reports the mismatch
        var filtered = new Dictionary<string, Tensor>(stateDict)
        {
            ["pos_embed"] = ResamplePosEmbed(pos, PatchEmbed.GridSize, (side, side), prefix),
        };
        return filtered;
    }

    /// <summary>A transformer block: x + drop_path(ls1(attn(norm1(x)))), then the same with the MLP.</summary>
    public sealed class Block : Module<Tensor, Tensor>
    {
        /// <summary>Creates the block.</summary>
        public Block(VitConfig c, float dropPath, Generator g)
        {
            var d = c.EmbedDim;
            Norm1 = Register("norm1", new LayerNorm(d, c.NormEps));
            Attn = Register("attn", new Attention(d, c.NumHeads, g, c.QkvBias, c.QkNorm, c.AttnDropRate, c.ProjDropRate, c.NormEps));
            Ls1 = Register<Module<Tensor, Tensor>>("ls1", c.InitValues is { } iv ? new LayerScale(d, iv) : new Identity());
            DropPath1 = Register("drop_path1", new DropPath(dropPath));
            Norm2 = Register("norm2", new LayerNorm(d, c.NormEps));
            Mlp = Register("mlp", new Mlp(d, g, (int)(d * c.MlpRatio), drop: c.ProjDropRate));
            Ls2 = Register<Module<Tensor, Tensor>>("ls2", c.InitValues is { } iv2 ? new LayerScale(d, iv2) : new Identity());
            DropPath2 = Register("drop_path2", new DropPath(dropPath));
        }

        /// <summary>Norm before attention.</summary>
        public LayerNorm Norm1 { get; }

        /// <summary>Self-attention.</summary>
        public Attention Attn { get; }

        /// <summary>Layer scale of the attention branch.</summary>
        public Module<Tensor, Tensor> Ls1 { get; }

        /// <summary>Stochastic depth of the attention branch.</summary>
        public DropPath DropPath1 { get; }

        /// <summary>Norm before the MLP.</summary>
        public LayerNorm Norm2 { get; }

        /// <summary>Feed-forward block.</summary>
        public Mlp Mlp { get; }

        /// <summary>Layer scale of the MLP branch.</summary>
        public Module<Tensor, Tensor> Ls2 { get; }

        /// <summary>Stochastic depth of the MLP branch.</summary>
        public DropPath DropPath2 { get; }

        /// <summary>[B, N, D] → [B, N, D].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var x1 = Residual(x, Norm1, Attn, Ls1, DropPath1);
            return Residual(x1, Norm2, Mlp, Ls2, DropPath2);
        }

        private static Tensor Residual(Tensor x, Module<Tensor, Tensor> norm, Module<Tensor, Tensor> f, Module<Tensor, Tensor> ls, DropPath dp)
        {
            using var n = norm.Forward(x);
            using var y = f.Forward(n);
            using var s = ls.Forward(y);
            using var d = dp.Forward(s);
            return x + d;
        }
    }
}
