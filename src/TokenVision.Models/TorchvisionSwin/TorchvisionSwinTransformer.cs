using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionSwin;

/// <summary>
/// Swin Transformer (Liu et al., 2021) structured and keyed as torchvision's <c>SwinTransformer</c> (v1):
/// <c>features.0</c> = patch conv, NHWC permute, LayerNorm; <c>features.{1,3,5,…}</c> = stages of blocks;
/// <c>features.{2,4,…}</c> = patch merging; then <c>norm</c>, average pooling and the <c>head</c> linear layer.
/// </summary>
public sealed class TorchvisionSwinTransformer : Module<Tensor, Tensor>, IImageClassifier
{
    private readonly Generator _generator;
    private readonly List<int> _stageIndices = [];

    /// <summary>Builds the model with torchvision's initialisation.</summary>
    public TorchvisionSwinTransformer(TorchvisionSwinConfig config)
    {
        if (config.Depths.Length == 0 || config.NumHeads.Length != config.Depths.Length)
            throw new ArgumentException($"Swin: {config.Depths.Length} stage depths and {config.NumHeads.Length} head counts must agree and be non-empty");
        Config = config;
        _generator = new Generator(config.Seed);
        var g = _generator;
        var e = config.EmbedDim;
        NumFeatures = e << (config.Depths.Length - 1);
        NumClasses = config.NumClasses;

        Features = Register("features", new Sequential(new Sequential(
            new Conv2d(config.InChans, e, config.PatchSize, g, stride: config.PatchSize),
            new Permute(0, 2, 3, 1),
            new LayerNorm(e, TorchvisionSwinBlock.NormEps))));
        var total = config.Depths.Sum();
        var blockId = 0;
        for (var s = 0; s < config.Depths.Length; s++)
        {
            var dim = e << s;
            var stage = new Sequential();
            for (var j = 0; j < config.Depths[s]; j++, blockId++)
            {
                var sdProb = total > 1 ? config.StochasticDepthProb * blockId / (total - 1) : 0f;
                var shift = j % 2 == 0 ? (0, 0) : (config.WindowSize.H / 2, config.WindowSize.W / 2);
                stage.Add(new TorchvisionSwinBlock(dim, config.NumHeads[s], config.WindowSize, shift, config, sdProb, g));
            }
            _stageIndices.Add(Features.Count);
            Features.Add(stage);
            if (s < config.Depths.Length - 1)
                Features.Add(new TorchvisionPatchMerging(dim, g));
        }
        Norm = Register("norm", new LayerNorm(NumFeatures, TorchvisionSwinBlock.NormEps));
        Head = Register<Module<Tensor, Tensor>>("head", NewHead(NumClasses));
        Init.TruncNormalLinears(this, g);
        SetGenerator(g);
    }

    /// <summary>The configuration the model was built from.</summary>
    public TorchvisionSwinConfig Config { get; }

    /// <inheritdoc/>
    public int NumClasses { get; private set; }

    /// <inheritdoc/>
    public int NumFeatures { get; }

    /// <summary>Patch embedding, stages and patch merging layers in order.</summary>
    public Sequential Features { get; }

    /// <summary>Final norm.</summary>
    public LayerNorm Norm { get; }

    /// <summary>The classifier (Identity without classes).</summary>
    public Module<Tensor, Tensor> Head { get; private set; }

    private Module<Tensor, Tensor> NewHead(int classes)
    {
        if (classes <= 0)
            return new Identity();
        var head = new Linear(NumFeatures, classes, _generator);
        Init.TruncNormal(head.Weight, _generator);
        Init.Zeros(head.Bias!);
        return head;
    }

    /// <summary>[B, C, H, W] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var features = ForwardFeatures(x);
        return ForwardHead(features);
    }

    /// <summary>[B, C, H, W] → NHWC features after the final norm.</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        using var f = Features.Forward(x);
        return Norm.Forward(f);
    }

    /// <summary>Average pool over H and W (permute + AdaptiveAvgPool2d(1) + flatten), then the head; the pooled features when <paramref name="preLogits"/>.</summary>
    public Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        using var pooled = features.Mean([1, 2]);                          // [B, C]
        return preLogits ? pooled.Identity() : Head.Forward(pooled);
    }

    /// <summary>Runs the network and returns the outputs of the stages in <paramref name="indices"/> as NCHW maps, plus the normed final features.</summary>
    public (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices)
    {
        var take = ModelUtil.ResolveIndices(indices, _stageIndices.Count);
        var outputs = new List<Tensor>();
        var current = x.Identity();
        for (var i = 0; i < Features.Count; i++)
        {
            var next = Features[i].Forward(current);
            current.Dispose();
            current = next;
            var stage = _stageIndices.IndexOf(i);
            if (stage >= 0 && take.Contains(stage))
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
        Head = ReplaceChild("head", NewHead(numClasses));
    }
}
