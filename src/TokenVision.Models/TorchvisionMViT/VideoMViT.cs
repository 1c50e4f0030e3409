using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// Multiscale Vision Transformer for video (Fan et al., 2021; MViTv2: Li et al., 2022), structured and keyed as
/// torchvision's <c>models.video.MViT</c> (<c>mvit_v2_s</c>): a 3-D conv patchifies the clip, a class token is
/// prepended, pooling-attention blocks shrink the (t, h, w) grid and widen the tokens, and the head classifies the
/// normalised class token. Input [B, 3, T, H, W] (a [B, 3, H, W] image is one frame).
/// </summary>
/// <remarks>
/// With relative positions the model also runs at other clip sizes (the tables are resampled as torchvision does per
/// block); with absolute position embeddings the clip must have the configured size.
/// </remarks>
public sealed class VideoMViT : Module<Tensor, Tensor>, IImageClassifier
{
    private readonly Generator _generator;

    /// <summary>Builds the model with torchvision's initialisation.</summary>
    public VideoMViT(VideoMViTConfig config)
    {
        var blocks = config.BlockSetting;
        if (blocks.Length == 0)
            throw new ArgumentException("MViT: block_setting is empty");
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        NumClasses = config.NumClasses;
        NumFeatures = blocks[^1].OutputChannels;

        var (k, s, p) = (config.PatchEmbedKernel, config.PatchEmbedStride, config.PatchEmbedPadding);
        ConvProj = Register("conv_proj", new Conv3d(config.InChans, blocks[0].InputChannels, (k.T, k.H, k.W), g, (s.T, s.H, s.W), (p.T, p.H, p.W)));
        // torchvision sizes the grid as size // stride (not the conv's output formula).
        int[] inputSize = [config.TemporalSize / s.T, config.SpatialSize.H / s.H, config.SpatialSize.W / s.W];
        PosEncoding = Register("pos_encoding", new PositionalEncoding(blocks[0].InputChannels, (inputSize[1], inputSize[2]), inputSize[0], config.RelPosEmbed));
        Blocks = Register("blocks", new ModuleList<MultiscaleBlock>());
        for (var i = 0; i < blocks.Length; i++)
        {
            var sd = blocks.Length > 1 ? config.StochasticDepthProb * i / (blocks.Length - 1f) : 0f;
            Blocks.Add(new MultiscaleBlock(inputSize, blocks[i], config, config.AttentionDropout, sd, g));
            if (blocks[i].StrideQ.Length > 0)
                inputSize = [.. inputSize.Select((size, d) => size / blocks[i].StrideQ[d])];
        }
        Norm = Register("norm", new LayerNorm(NumFeatures, 1e-6f));
        Head = Register("head", NewHead(NumClasses));
        InitWeights(g);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public VideoMViTConfig Config { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures { get; }

    /// <summary>Patchifying 3-D convolution.</summary>
    public Conv3d ConvProj { get; }

    /// <summary>Class token (and absolute position embeddings).</summary>
    public PositionalEncoding PosEncoding { get; }

    /// <summary>The blocks.</summary>
    public ModuleList<MultiscaleBlock> Blocks { get; }

    /// <summary>Final norm.</summary>
    public LayerNorm Norm { get; }

    /// <summary>Dropout and classifier (<c>head.1</c>).</summary>
    public Sequential Head { get; private set; }

    /// <summary>
    /// Parameters that cannot change the output: the bias of each key norm adds the same vector to every key, which
    /// shifts each query's scores by a constant, and softmax ignores that; their gradient is exactly zero.
    /// </summary>
    public IReadOnlyList<string> SoftmaxInvariantParameters =>
        [.. NamedParameters().Select(p => p.Name).Where(n => n.EndsWith(".attn.pool_k.norm_act.0.bias", StringComparison.Ordinal))];

    /// <summary>
    /// The parameters of the last block that act only on grid tokens (its query pooling and relative positions): the
    /// head reads the class token, whose row never uses them, so they shape <see cref="ForwardFeatures"/> but not
    /// the logits.
    /// </summary>
    public IReadOnlyList<string> ParametersUnusedByHead
    {
        get
        {
            var last = $"blocks.{Blocks.Count - 1}.attn.";
            string[] gridOnly = ["rel_pos_h", "rel_pos_w", "rel_pos_t", "pool_q.pool.weight"];
            return [.. NamedParameters().Select(p => p.Name).Where(n => gridOnly.Any(g => n == last + g))];
        }
    }

    private Sequential NewHead(int classes)
    {
        Module<Tensor, Tensor> fc = new Identity();
        if (classes > 0)
        {
            var linear = new Linear(NumFeatures, classes, _generator);
            Init.TruncNormal(linear.Weight, _generator);
            Init.Zeros(linear.Bias!);
            fc = linear;
        }
        return new Sequential(new Dropout(Config.Dropout), fc);
    }

    private void InitWeights(Generator g)
    {
        // trunc_normal(.02) on every Linear and the position encoding, zero biases; norms 1/0; convs keep torch defaults.
        foreach (var (_, m) in NamedModules())
        {
            if (m is Linear lin)
            {
                Init.TruncNormal(lin.Weight, g);
                if (lin.Bias is not null)
                    Init.Zeros(lin.Bias);
            }
            else if (m is PositionalEncoding pe)
            {
                foreach (var param in pe.Parameters())
                    Init.TruncNormal(param, g);
            }
        }
    }

    /// <summary>[B, 3, T, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, 3, T, H, W] → tokens [B, 1 + T'·H'·W', C] after the final norm (torchvision's <c>model.norm</c> output).</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        var current = Embed(x, out var thw);
        foreach (var block in Blocks)
        {
            var next = block.Forward(current, ref thw);
            current.Dispose();
            current = next;
        }
        using (current)
            return Norm.Forward(current);
    }

    /// <summary>Patchify, flatten and prepend the class token: [B, 1 + T·H·W, C] and the grid (t, h, w).</summary>
    private Tensor Embed(Tensor x, out int[] thw)
    {
        using var clip = x.Rank == 4 ? x.Unsqueeze(2) : x.Identity();  // an image is a one-frame clip
        if (clip.Rank != 5)
            throw new ArgumentException($"MViT: input {x.Shape} is not [B, C, T, H, W] (or [B, C, H, W])");
        using var y = ConvProj.Forward(clip);                            // [B, C, T', H', W']
        thw = [y.Shape[2], y.Shape[3], y.Shape[4]];
        using var flat = y.Flatten(2);
        using var tokens = flat.Transpose(1, 2);                         // [B, T'·H'·W', C]
        return PosEncoding.Forward(tokens);
    }

    /// <summary>The class token of the normalised features, then dropout and the classifier (or the class token itself when <paramref name="preLogits"/>).</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var cls = features.Select(1, 0);                           // [B, C]
        return preLogits ? cls.Contiguous() : Head.Forward(cls);
    }

    /// <summary>
    /// Runs the blocks and returns the outputs of the blocks in <paramref name="indices"/> as NCTHW maps
    /// [B, C, T', H', W'] (class token dropped), plus the final normalised tokens.
    /// </summary>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, Blocks.Count);
        var outputs = new List<Tensor>();
        var current = Embed(x, out var thw);
        var b = current.Shape[0];
        for (var i = 0; i < Blocks.Count; i++)
        {
            var next = Blocks[i].Forward(current, ref thw);
            current.Dispose();
            current = next;
            if (take.Contains(i))
            {
                using var grid = current.Narrow(1, 1, thw[0] * thw[1] * thw[2]);
                using var cells = grid.Reshape(b, thw[0], thw[1], thw[2], current.Shape[2]);
                using var ncthw = cells.Permute(0, 4, 1, 2, 3);
                outputs.Add(ncthw.Contiguous());
            }
        }
        using (current)
            return (Norm.Forward(current), outputs);
    }

    /// <inheritdoc/>
    public void ResetClassifier(int numClasses)
    {
        NumClasses = numClasses;
        var head = NewHead(numClasses);
        head.Train(Training);
        head.SetGenerator(_generator);
        Head = ReplaceChild("head", head);
    }
}
