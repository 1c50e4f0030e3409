using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionVit;

/// <summary>
/// Vision Transformer (Dosovitskiy et al., "An Image is Worth 16x16 Words", 2021), structured and keyed as
/// torchvision's <c>VisionTransformer</c>: <c>conv_proj</c> patchify, a prepended <c>class_token</c>, the
/// <c>encoder</c> (position embedding, pre-norm blocks with <c>nn.MultiheadAttention</c>, final <c>ln</c>) and
/// <c>heads</c> on the class token.
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>, IImageClassifier, ICheckpointFilter
{
    /// <summary>LayerNorm epsilon torchvision uses.</summary>
    public const float NormEps = 1e-6f;

    private readonly Generator _generator;

    /// <summary>Builds the model with torchvision's initialisation.</summary>
    public VisionTransformer(TorchvisionVitConfig config)
    {
        if (config.PatchSize <= 0 || config.ImageSize % config.PatchSize != 0)
            throw new ArgumentException($"torchvision ViT: image_size {config.ImageSize} is not divisible by patch_size {config.PatchSize}");
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        var d = config.HiddenDim;
        GridSize = config.ImageSize / config.PatchSize;
        NumClasses = config.NumClasses;

        ConvProj = Register("conv_proj", new Conv2d(config.InChans, d, config.PatchSize, g, stride: config.PatchSize));
        ClassToken = RegisterParameter("class_token", Tensor.Zeros(1, 1, d));
        Encoder = Register("encoder", new TransformerEncoder(config, GridSize * GridSize + 1, g));
        Heads = Register("heads", new ClassifierHeads(d, config.RepresentationSize, config.NumClasses, config.ZeroInitHead, g));

        // Patchify stem: truncated normal with std sqrt(1 / fan_in), zero bias.
        var fanIn = config.InChans * config.PatchSize * config.PatchSize;
        Init.TruncNormal(ConvProj.Weight, g, std: MathF.Sqrt(1f / fanIn));
        Init.Zeros(ConvProj.Bias!);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public TorchvisionVitConfig Config { get; }

    /// <summary>Patches per side.</summary>
    public int GridSize { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures => Config.RepresentationSize ?? Config.HiddenDim;

    /// <summary>Patch projection (kernel = stride = patch size).</summary>
    public Conv2d ConvProj { get; }

    /// <summary>[1, 1, D] class token.</summary>
    public Tensor ClassToken { get; }

    /// <summary>Position embedding, blocks and final norm.</summary>
    public TransformerEncoder Encoder { get; }

    /// <summary>Optional pre-logits layer and the classifier.</summary>
    public ClassifierHeads Heads { get; }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → the encoder output [B, 1 + N, D] (class token first, after <c>encoder.ln</c>).</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        using var tokens = Tokens(x);
        return Encoder.Forward(tokens);
    }

    /// <summary>torchvision's <c>_process_input</c> plus the class token: [B, C, H, W] → [B, 1 + N, D].</summary>
    private Tensor Tokens(Tensor x)
    {
        var (b, h, w) = (x.Shape[0], x.Shape[2], x.Shape[3]);
        if (h != Config.ImageSize || w != Config.ImageSize)
            throw new ArgumentException($"torchvision ViT: input {h}x{w} does not match image_size {Config.ImageSize}");
        using var y = ConvProj.Forward(x);                              // [B, D, h, w]
        using var flat = y.Reshape(b, Config.HiddenDim, GridSize * GridSize);
        using var patches = flat.Permute(0, 2, 1);                      // [B, N, D]
        using var cls = ClassToken.Expand(b, -1, -1);
        return Tensor.Cat([cls, patches], 1);                           // [B, 1 + N, D]
    }

    /// <summary>The class token through <c>heads</c>; with <paramref name="preLogits"/>, the representation before <c>heads.head</c>.</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var cls = features.Select(1, 0);                          // [B, D]
        using var representation = Heads.Representation(cls);
        return preLogits ? representation.Identity() : Heads.Head.Forward(representation);
    }

    /// <inheritdoc/>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var layers = Encoder.Layers;
        var take = ModelUtil.ResolveIndices(indices, layers.Count);
        var b = x.Shape[0];
        var outputs = new List<Tensor>();
        Tensor current;
        using (var tokens = Tokens(x))
            current = Encoder.Embed(tokens);
        for (var i = 0; i < layers.Count; i++)
        {
            var next = layers[i].Forward(current);
            current.Dispose();
            current = next;
            if (take.Contains(i))
            {
                // Patch tokens as an NCHW map, class token dropped.
                using var patches = current.Narrow(1, 1, GridSize * GridSize);
                using var grid = patches.Reshape(b, GridSize, GridSize, Config.HiddenDim);
                outputs.Add(grid.Permute(0, 3, 1, 2).Contiguous());
            }
        }
        using (current)
            return (Encoder.Ln.Forward(current), outputs);
    }

    /// <summary>Replaces <c>heads.head</c> with a new classifier, initialised as at construction.</summary>
    public void ResetClassifier(int numClasses)
    {
        NumClasses = numClasses;
        Heads.ReplaceHead(numClasses, _generator);
    }

    /// <summary>
    /// torchvision's loading quirks: renames the pre-0.14 MLP keys (<c>mlp.linear_1</c>/<c>mlp.linear_2</c> →
    /// <c>mlp.0</c>/<c>mlp.3</c>) and, for a checkpoint trained at another image size, resamples
    /// <c>encoder.pos_embedding</c> as <c>interpolate_embeddings</c> does (see <see cref="ResamplePosEmbedding"/>).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var filtered = new Dictionary<string, Tensor>(stateDict.Count);
        foreach (var (key, value) in stateDict)
        {
            var k = key.Replace(".mlp.linear_1.", ".mlp.0.", StringComparison.Ordinal).Replace(".mlp.linear_2.", ".mlp.3.", StringComparison.Ordinal);
            if (k == "encoder.pos_embedding" && value.Shape != Encoder.PosEmbedding.Shape)
            {
                filtered[k] = ResamplePosEmbedding(value, GridSize);
                continue;
            }
            filtered[k] = value;
        }
        return filtered;
    }

    /// <summary>
    /// Resamples a [1, 1 + s·s, D] position embedding to a <paramref name="newGrid"/>² grid as torchvision's
    /// <c>interpolate_embeddings</c>: the class-token entry is kept, the grid is resized bicubically
    /// (A = -0.75) with align_corners=True and no antialiasing.
    /// </summary>
    public static Tensor ResamplePosEmbedding(Tensor posEmbedding, int newGrid)
    {
        if (posEmbedding.Rank != 3 || posEmbedding.Shape[0] != 1)
            throw new ArgumentException($"encoder.pos_embedding: unexpected shape {posEmbedding.Shape}, expected [1, 1 + N, D]");
        var (seq, d) = (posEmbedding.Shape[1] - 1, posEmbedding.Shape[2]);
        var side = (int)Math.Round(Math.Sqrt(seq));
        if (side * side != seq)
            throw new ArgumentException($"encoder.pos_embedding {posEmbedding.Shape}: {seq} patch positions do not form a square grid");
        if (side == newGrid)
            return posEmbedding.Identity();
        using var token = posEmbedding.Narrow(1, 0, 1);                 // [1, 1, D]
        using var img = posEmbedding.Narrow(1, 1, seq);                 // [1, s·s, D]
        using var channels = img.Permute(0, 2, 1);
        using var square = channels.Reshape(1, d, side, side);
        using var resized = Functional.Interpolate(square, [newGrid, newGrid], InterpolationMode.Cubic, alignCorners: true);
        using var flat = resized.Reshape(1, d, newGrid * newGrid);
        using var back = flat.Permute(0, 2, 1);                         // [1, n·n, D]
        return Tensor.Cat([token, back], 1);
    }

    /// <summary>torchvision's <c>Encoder</c>: add <c>pos_embedding</c>, dropout, the blocks (<c>layers.encoder_layer_i</c>), then <c>ln</c>.</summary>
    public sealed class TransformerEncoder : Module<Tensor, Tensor>
    {
        /// <summary>Creates the encoder for <paramref name="seqLength"/> tokens (class token included).</summary>
        public TransformerEncoder(TorchvisionVitConfig c, int seqLength, Generator g)
        {
            PosEmbedding = RegisterParameter("pos_embedding", Tensor.Zeros(1, seqLength, c.HiddenDim));
            Init.Normal(PosEmbedding, g, std: 0.02f);
            Dropout = Register("dropout", new Dropout(c.Dropout));
            Layers = Register("layers", new EncoderLayers());
            for (var i = 0; i < c.NumLayers; i++)
                Layers.Add(new EncoderBlock(c, g));
            Ln = Register("ln", new LayerNorm(c.HiddenDim, NormEps));
        }

        /// <summary>[1, 1 + N, D] learned position embedding (class token included).</summary>
        public Tensor PosEmbedding { get; }

        /// <summary>Dropout after the position embedding.</summary>
        public Dropout Dropout { get; }

        /// <summary>The blocks.</summary>
        public EncoderLayers Layers { get; }

        /// <summary>Final norm.</summary>
        public LayerNorm Ln { get; }

        /// <summary>[B, 1 + N, D] → [B, 1 + N, D].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var embedded = Embed(x);
            using var encoded = Layers.Forward(embedded);
            return Ln.Forward(encoded);
        }

        /// <summary>x + pos_embedding, then dropout.</summary>
        public Tensor Embed(Tensor x)
        {
            using var withPos = x + PosEmbedding;
            return Dropout.Forward(withPos);
        }
    }

    /// <summary>The encoder's blocks, keyed <c>encoder_layer_0</c>, <c>encoder_layer_1</c>, ... and run in order.</summary>
    public sealed class EncoderLayers : Module<Tensor, Tensor>
    {
        private readonly List<EncoderBlock> _blocks = [];

        /// <summary>Appends a block under the next name.</summary>
        public void Add(EncoderBlock block) =>
            _blocks.Add(Register(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"encoder_layer_{_blocks.Count}"), block));

        /// <summary>Number of blocks.</summary>
        public int Count => _blocks.Count;

        /// <summary>Block <paramref name="index"/>.</summary>
        public EncoderBlock this[int index] => _blocks[index];

        /// <summary>[B, N, D] through every block.</summary>
        public override Tensor Forward(Tensor x)
        {
            var current = x.Identity();
            foreach (var block in _blocks)
            {
                var next = block.Forward(current);
                current.Dispose();
                current = next;
            }
            return current;
        }
    }

    /// <summary>
    /// torchvision's <c>EncoderBlock</c>: x = x + dropout(attn(ln_1(x))), then x + mlp(ln_2(x)) with the MLP
    /// Linear → GELU → Dropout → Linear → Dropout (keys <c>mlp.0</c>, <c>mlp.3</c>).
    /// </summary>
    public sealed class EncoderBlock : Module<Tensor, Tensor>
    {
        /// <summary>Creates the block with torchvision's init (Xavier-uniform MLP weights, N(0, 1e-6) MLP biases).</summary>
        public EncoderBlock(TorchvisionVitConfig c, Generator g)
        {
            var d = c.HiddenDim;
            Ln1 = Register("ln_1", new LayerNorm(d, NormEps));
            SelfAttention = Register("self_attention", new MultiheadAttention(d, c.NumHeads, c.AttentionDropout, g));
            Dropout = Register("dropout", new Dropout(c.Dropout));
            Ln2 = Register("ln_2", new LayerNorm(d, NormEps));
            var fc1 = new Linear(d, c.MlpDim, g);
            var fc2 = new Linear(c.MlpDim, d, g);
            Mlp = Register("mlp", new Sequential(fc1, new Activation(ActivationKind.Gelu), new Dropout(c.Dropout), fc2, new Dropout(c.Dropout)));
            foreach (var lin in new[] { fc1, fc2 })
            {
                Init.XavierUniform(lin.Weight, g);
                Init.Normal(lin.Bias!, g, std: 1e-6f);
            }
        }

        /// <summary>Norm before attention.</summary>
        public LayerNorm Ln1 { get; }

        /// <summary>Self-attention.</summary>
        public MultiheadAttention SelfAttention { get; }

        /// <summary>Dropout after attention.</summary>
        public Dropout Dropout { get; }

        /// <summary>Norm before the MLP.</summary>
        public LayerNorm Ln2 { get; }

        /// <summary>The MLP (torchvision's <c>MLPBlock</c>).</summary>
        public Sequential Mlp { get; }

        /// <summary>[B, N, D] → [B, N, D].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var n1 = Ln1.Forward(x);
            using var a = SelfAttention.Forward(n1);
            using var dropped = Dropout.Forward(a);
            using var x1 = dropped + x;
            using var n2 = Ln2.Forward(x1);
            using var m = Mlp.Forward(n2);
            return x1 + m;
        }
    }

    /// <summary>torchvision's <c>heads</c>: optional <c>pre_logits</c> Linear with tanh (<c>act</c>), then <c>head</c>.</summary>
    public sealed class ClassifierHeads : Module<Tensor, Tensor>
    {
        private readonly int _inFeatures;
        private readonly bool _zeroInitHead;

        /// <summary>Creates the heads; <paramref name="representationSize"/> adds the tanh pre-logits layer.</summary>
        public ClassifierHeads(int hiddenDim, int? representationSize, int numClasses, bool zeroInitHead, Generator g)
        {
            _zeroInitHead = zeroInitHead;
            _inFeatures = representationSize ?? hiddenDim;
            if (representationSize is { } r)
            {
                PreLogits = Register("pre_logits", new Linear(hiddenDim, r, g));
                Init.TruncNormal(PreLogits.Weight, g, std: MathF.Sqrt(1f / hiddenDim));
                Init.Zeros(PreLogits.Bias!);
                Register("act", new Activation(ActivationKind.Tanh));
            }
            Head = Register("head", NewHead(numClasses, g));
        }

        /// <summary>The pre-logits layer, or null.</summary>
        public Linear? PreLogits { get; }

        /// <summary>The classifier (Identity without classes).</summary>
        public Module<Tensor, Tensor> Head { get; private set; }

        /// <summary>[B, D] → logits [B, classes].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var r = Representation(x);
            return Head.Forward(r);
        }

        /// <summary>tanh(pre_logits(x)), or x itself without a representation layer.</summary>
        public Tensor Representation(Tensor x)
        {
            if (PreLogits is null)
                return x.Identity();
            using var y = PreLogits.Forward(x);
            return y.Tanh();
        }

        /// <summary>Replaces <c>head</c> with a new one for <paramref name="numClasses"/> outputs.</summary>
        public void ReplaceHead(int numClasses, Generator g) => Head = ReplaceChild("head", NewHead(numClasses, g));

        private Module<Tensor, Tensor> NewHead(int numClasses, Generator g)
        {
            if (numClasses <= 0)
                return new Identity();
            var head = new Linear(_inFeatures, numClasses, g);
            if (_zeroInitHead)
                Init.Zeros(head.Weight);
            else
                Init.TruncNormal(head.Weight, g, std: MathF.Sqrt(1f / _inFeatures));
            Init.Zeros(head.Bias!);
            return head;
        }
    }
}
