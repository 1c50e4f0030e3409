using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.ResNet;

/// <summary>
/// Residual network (He et al., "Deep Residual Learning for Image Recognition", 2016), structured and keyed as
/// timm's <c>ResNet</c>: a 7x7 stride-2 stem with max-pooling, four stages of residual blocks (the first block
/// of stages 2-4 halves the resolution and projects the shortcut), global pooling and a linear classifier.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>, IImageClassifier
{
    /// <summary>Channels of the default (7x7) stem, independent of <see cref="ResNetConfig.StemWidth"/> as in timm.</summary>
    public const int StemChannels = 64;

    private readonly Generator _generator;

    /// <summary>Builds the model with timm's initialisation (Kaiming-normal fan-out convolutions, zero-init last BN).</summary>
    public ResNet(ResNetConfig config)
    {
        Validate(config);
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        var expansion = Expansion(config.Block);
        NumClasses = config.NumClasses;
        NumFeatures = config.Channels[^1] * expansion;

        // Stem: 7x7/2 convolution, BN, ReLU, 3x3/2 max-pool.
        Conv1 = Register("conv1", new Conv2d(config.InChans, StemChannels, 7, g, stride: 2, padding: 3, bias: false));
        Bn1 = Register("bn1", new BatchNorm2d(StemChannels));

        // Stages layer1..layer4; drop-path grows linearly over all blocks of the network.
        var totalBlocks = config.Layers.Sum();
        var blockIndex = 0;
        var inplanes = StemChannels;
        var stages = new List<Sequential>();
        for (var s = 0; s < config.Layers.Length; s++)
        {
            var planes = config.Channels[s];
            var stride = s == 0 ? 1 : 2;
            var stage = new Sequential();
            for (var b = 0; b < config.Layers[s]; b++)
            {
                var dpr = totalBlocks > 1 ? config.DropPathRate * blockIndex / (totalBlocks - 1) : 0f;
                var blockStride = b == 0 ? stride : 1;
                stage.Add(config.Block == ResNetBlockType.Basic
                    ? new BasicBlock(inplanes, planes, blockStride, dpr, g)
                    : new Bottleneck(inplanes, planes, blockStride, config.Cardinality, config.BaseWidth, dpr, g));
                inplanes = planes * expansion;
                blockIndex++;
            }
            stages.Add(Register($"layer{s + 1}", stage));
        }
        Stages = stages;
        Fc = Register("fc", NewClassifier(NumClasses));
        InitWeights(config.ZeroInitLast, g);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public ResNetConfig Config { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures { get; }

    /// <summary>Stem convolution (7x7, stride 2).</summary>
    public Conv2d Conv1 { get; }

    /// <summary>Stem BatchNorm.</summary>
    public BatchNorm2d Bn1 { get; }

    /// <summary>The four stages <c>layer1</c>..<c>layer4</c>.</summary>
    public IReadOnlyList<Sequential> Stages { get; }

    /// <summary>The classifier (Identity without classes).</summary>
    public Module<Tensor, Tensor> Fc { get; private set; }

    /// <summary>Output channels of a block relative to its planes.</summary>
    public static int Expansion(ResNetBlockType block) => block == ResNetBlockType.Basic ? 1 : 4;

    private static void Validate(ResNetConfig c)
    {
        static void Reject(string what) => throw new NotSupportedException($"ResNet: {what} is not supported (only timm's default 7x7-stem ResNet is built)");
        if (c.Layers.Length != 4 || c.Channels.Length != 4)
            throw new ArgumentException($"ResNet: layers and channels need 4 stages, got {c.Layers.Length} and {c.Channels.Length}");
        if (c.Layers.Any(n => n < 1) || c.Channels.Any(n => n < 1))
            throw new ArgumentException($"ResNet: every stage needs at least one block and one channel (layers [{string.Join(", ", c.Layers)}], channels [{string.Join(", ", c.Channels)}])");
        if (c.StemType != "")
            Reject($"stem_type '{c.StemType}'");
        if (c.ReplaceStemPool)
            Reject("replace_stem_pool");
        if (c.OutputStride != 32)
            Reject($"output_stride {c.OutputStride}");
        if (c.BlockReduceFirst != 1)
            Reject($"block_reduce_first {c.BlockReduceFirst}");
        if (c.DownKernelSize != 1)
            Reject($"down_kernel_size {c.DownKernelSize}");
        if (c.AvgDown)
            Reject("avg_down");
        if (c.DropBlockRate != 0)
            Reject($"drop_block_rate {c.DropBlockRate}");
        if (c.GlobalPool is not ("avg" or "max" or "avgmax"))
            throw new ArgumentException($"ResNet: global_pool '{c.GlobalPool}' is not one of 'avg', 'max', 'avgmax'");
        if (c.Block == ResNetBlockType.Basic && (c.Cardinality != 1 || c.BaseWidth != 64))
            throw new ArgumentException($"ResNet: BasicBlock needs cardinality 1 and base_width 64, got {c.Cardinality} and {c.BaseWidth}");
    }

    private Module<Tensor, Tensor> NewClassifier(int classes) =>
        classes > 0 ? new Linear(NumFeatures, classes, _generator) : new Identity();

    private void InitWeights(bool zeroInitLast, Generator g)
    {
        // timm: kaiming_normal_(mode='fan_out', nonlinearity='relu') on every convolution; BN weight 1, bias 0;
        // the classifier keeps PyTorch's default Linear init.
        foreach (var (_, m) in NamedModules())
        {
            if (m is Conv2d conv)
                Init.KaimingNormal(conv.Weight, g, fanOut: true);
        }
        if (!zeroInitLast)
            return;
        foreach (var (_, m) in NamedModules())
        {
            if (m is BasicBlock basic)
                Init.Zeros(basic.Bn2.Weight);
            else if (m is Bottleneck bottleneck)
                Init.Zeros(bottleneck.Bn3.Weight);
        }
    }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → the last stage's feature map [B, channels[3]·expansion, H/32, W/32].</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        var current = Stem(x);                                   // [B, 64, H/4, W/4]
        foreach (var stage in Stages)
        {
            var next = stage.Forward(current);
            current.Dispose();
            current = next;
        }
        return current;
    }

    /// <summary>conv1 → bn1 → ReLU → 3x3/2 max-pool: [B, C, H, W] → [B, 64, H/4, W/4].</summary>
    private Tensor Stem(Tensor x)
    {
        using var act = StemActivation(x);
        return Functional.MaxPool2d(act, kernel: 3, stride: 2, padding: 1);
    }

    /// <summary>conv1 → bn1 → ReLU: [B, C, H, W] → [B, 64, H/2, W/2] (timm's feature 0, module act1).</summary>
    private Tensor StemActivation(Tensor x)
    {
        using var c = Conv1.Forward(x);
        using var b = Bn1.Forward(c);
        return b.Relu();
    }

    /// <summary>Global pooling, dropout, classifier: [B, C, H, W] → [B, classes] (or the pooled [B, C] with <paramref name="preLogits"/>).</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var pooled = Pool(features);
        using var dropped = Functional.Dropout(pooled, Config.DropRate, Training, _generator);
        return preLogits ? dropped.Identity() : Fc.Forward(dropped);
    }

    /// <summary>timm's <c>SelectAdaptivePool2d</c> with flatten: mean, max or their average over H and W.</summary>
    private Tensor Pool(Tensor x)
    {
        switch (Config.GlobalPool)
        {
            case "avg":
                return x.Mean([2, 3]);
            case "max":
                return x.Amax([2, 3]);
            default:
            {
                using var mean = x.Mean([2, 3]);
                using var max = x.Amax([2, 3]);
                using var sum = mean + max;
                return sum.Mul(0.5f);
            }
        }
    }

    /// <summary>
    /// Runs the backbone and returns the feature maps listed in <paramref name="indices"/>, counted as timm does:
    /// 0 = stem activation (stride 2), 1-4 = the outputs of layer1..layer4; negative values count from the end.
    /// </summary>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, 1 + Stages.Count);
        var outputs = new List<Tensor>();
        Tensor current;
        using (var stem = StemActivation(x))
        {
            if (take.Contains(0))
                outputs.Add(stem.Identity());
            current = Functional.MaxPool2d(stem, kernel: 3, stride: 2, padding: 1);
        }
        for (var i = 0; i < Stages.Count; i++)
        {
            var next = Stages[i].Forward(current);
            current.Dispose();
            current = next;
            if (take.Contains(i + 1))
                outputs.Add(current.Identity());
        }
        return (current, outputs);
    }

    /// <summary>Replaces <c>fc</c> with a freshly initialised classifier (PyTorch's default Linear init, as timm).</summary>
    public void ResetClassifier(int numClasses)
    {
        NumClasses = numClasses;
        Fc = ReplaceChild("fc", NewClassifier(numClasses));
    }

    /// <summary>The projection shortcut of a stage's first block: 1x1 convolution (with the block's stride) and BN.</summary>
    private static Sequential? NewDownsample(int inplanes, int outplanes, int stride, Generator g) =>
        stride != 1 || inplanes != outplanes
            ? new Sequential(new Conv2d(inplanes, outplanes, 1, g, stride: stride, bias: false), new BatchNorm2d(outplanes))
            : null;

    /// <summary>
    /// The ResNet-18/34 block: relu(x + bn2(conv2(relu(bn1(conv1(x)))))), the shortcut projected by
    /// <c>downsample</c> (1x1 conv + BN) when the shape changes.
    /// </summary>
    public sealed class BasicBlock : Module<Tensor, Tensor>
    {
        /// <summary>Creates the block; <paramref name="stride"/> applies to the first 3x3 convolution.</summary>
        public BasicBlock(int inplanes, int planes, int stride, float dropPath, Generator g)
        {
            Conv1 = Register("conv1", new Conv2d(inplanes, planes, 3, g, stride: stride, padding: 1, bias: false));
            Bn1 = Register("bn1", new BatchNorm2d(planes));
            Conv2 = Register("conv2", new Conv2d(planes, planes, 3, g, padding: 1, bias: false));
            Bn2 = Register("bn2", new BatchNorm2d(planes));
            DropPath = Register("drop_path", new DropPath(dropPath));
            if (NewDownsample(inplanes, planes, stride, g) is { } down)
                Downsample = Register("downsample", down);
        }

        /// <summary>First 3x3 convolution (carries the stride).</summary>
        public Conv2d Conv1 { get; }

        /// <summary>BN after the first convolution.</summary>
        public BatchNorm2d Bn1 { get; }

        /// <summary>Second 3x3 convolution.</summary>
        public Conv2d Conv2 { get; }

        /// <summary>BN after the second convolution (zero-initialised with zero_init_last).</summary>
        public BatchNorm2d Bn2 { get; }

        /// <summary>Stochastic depth of the residual branch.</summary>
        public DropPath DropPath { get; }

        /// <summary>Shortcut projection (1x1 conv, BN), or null for the identity shortcut.</summary>
        public Sequential? Downsample { get; }

        /// <summary>[B, Cin, H, W] → [B, planes, H/stride, W/stride].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var c1 = Conv1.Forward(x);
            using var b1 = Bn1.Forward(c1);
            using var a1 = b1.Relu();
            using var c2 = Conv2.Forward(a1);
            using var b2 = Bn2.Forward(c2);
            using var branch = DropPath.Forward(b2);
            using var shortcut = Downsample is null ? x.Identity() : Downsample.Forward(x);
            using var sum = branch + shortcut;
            return sum.Relu();
        }
    }

    /// <summary>
    /// The ResNet-50+ block: 1x1 reduce to the bottleneck width, 3x3 (carrying the stride, grouped for ResNeXt),
    /// 1x1 expand to planes·4, each with BN (ReLU after the first two); relu(branch + shortcut).
    /// </summary>
    public sealed class Bottleneck : Module<Tensor, Tensor>
    {
        /// <summary>Creates the block; the bottleneck width is floor(planes · baseWidth / 64) · cardinality.</summary>
        public Bottleneck(int inplanes, int planes, int stride, int cardinality, int baseWidth, float dropPath, Generator g)
        {
            var width = (int)Math.Floor(planes * (baseWidth / 64.0)) * cardinality;
            var outplanes = planes * 4;
            Conv1 = Register("conv1", new Conv2d(inplanes, width, 1, g, bias: false));
            Bn1 = Register("bn1", new BatchNorm2d(width));
            Conv2 = Register("conv2", new Conv2d(width, width, 3, g, stride: stride, padding: 1, groups: cardinality, bias: false));
            Bn2 = Register("bn2", new BatchNorm2d(width));
            Conv3 = Register("conv3", new Conv2d(width, outplanes, 1, g, bias: false));
            Bn3 = Register("bn3", new BatchNorm2d(outplanes));
            DropPath = Register("drop_path", new DropPath(dropPath));
            if (NewDownsample(inplanes, outplanes, stride, g) is { } down)
                Downsample = Register("downsample", down);
        }

        /// <summary>1x1 reduction.</summary>
        public Conv2d Conv1 { get; }

        /// <summary>BN after the reduction.</summary>
        public BatchNorm2d Bn1 { get; }

        /// <summary>3x3 convolution (carries the stride).</summary>
        public Conv2d Conv2 { get; }

        /// <summary>BN after the 3x3 convolution.</summary>
        public BatchNorm2d Bn2 { get; }

        /// <summary>1x1 expansion to planes·4.</summary>
        public Conv2d Conv3 { get; }

        /// <summary>BN after the expansion (zero-initialised with zero_init_last).</summary>
        public BatchNorm2d Bn3 { get; }

        /// <summary>Stochastic depth of the residual branch.</summary>
        public DropPath DropPath { get; }

        /// <summary>Shortcut projection (1x1 conv, BN), or null for the identity shortcut.</summary>
        public Sequential? Downsample { get; }

        /// <summary>[B, Cin, H, W] → [B, planes·4, H/stride, W/stride].</summary>
        public override Tensor Forward(Tensor x)
        {
            using var c1 = Conv1.Forward(x);
            using var b1 = Bn1.Forward(c1);
            using var a1 = b1.Relu();                            // [B, width, H, W]
            using var c2 = Conv2.Forward(a1);
            using var b2 = Bn2.Forward(c2);
            using var a2 = b2.Relu();                            // [B, width, H/s, W/s]
            using var c3 = Conv3.Forward(a2);
            using var b3 = Bn3.Forward(c3);                      // [B, planes·4, H/s, W/s]
            using var branch = DropPath.Forward(b3);
            using var shortcut = Downsample is null ? x.Identity() : Downsample.Forward(x);
            using var sum = branch + shortcut;
            return sum.Relu();
        }
    }
}
