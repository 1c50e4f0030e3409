using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Vit;

/// <summary>
/// DeiT with a distillation token (Touvron et al., "Training data-efficient image transformers", 2021), as timm's
/// <c>VisionTransformerDistilled</c>: a second prefix token and head trained against a teacher. Evaluation
/// averages the two heads; training with <see cref="DistilledTraining"/> exposes both.
/// </summary>
public sealed class DistilledVisionTransformer : VisionTransformer
{
    private Tensor? _distToken;

    /// <summary>Builds the model (global pooling must be "token").</summary>
    public DistilledVisionTransformer(VitConfig config) : base(Check(config), extraPrefixTokens: 1)
    {
        HeadDist = Register<Module<Tensor, Tensor>>("head_dist", NewHead(config.NumClasses));
    }

    private static VitConfig Check(VitConfig c) => c.GlobalPool == "token" && c.ClassToken
        ? c
        : throw new ArgumentException("a distilled ViT needs a class token and global_pool 'token'");

    /// <summary>[1, 1, D] distillation token.</summary>
    public Tensor DistToken => _distToken!;

    /// <summary>Classifier on the distillation token.</summary>
    public Module<Tensor, Tensor> HeadDist { get; private set; }

    /// <summary>When true, training-mode <see cref="ForwardDistilled"/> returns the two heads separately.</summary>
    public bool DistilledTraining { get; set; }

    /// <inheritdoc/>
    protected override void RegisterPrefixTokens(Generator g)
    {
        _distToken = RegisterParameter("dist_token", Tensor.Zeros(1, 1, Config.EmbedDim));
        Init.TruncNormal(_distToken, g);
    }

    /// <inheritdoc/>
    protected override IEnumerable<Tensor> ExtraPrefixTokens(int batch) => [DistToken.Expand(batch, -1, -1)];

    /// <summary>Class- and distillation-head logits averaged; with <paramref name="preLogits"/>, the averaged tokens.</summary>
    public override Tensor ForwardHead(Tensor features, bool preLogits = false)
    {
        var (cls, dist) = ForwardDistilledHeads(features, preLogits);
        using (cls)
        using (dist)
        {
            using var sum = cls + dist;
            return sum.Mul(0.5f);
        }
    }

    /// <summary>Both heads' logits (class token head, distillation head) for training against a teacher.</summary>
    public (Tensor Cls, Tensor Dist) ForwardDistilled(Tensor x)
    {
        using var f = ForwardFeatures(x);
        return ForwardDistilledHeads(f, preLogits: false);
    }

    private (Tensor, Tensor) ForwardDistilledHeads(Tensor features, bool preLogits)
    {
        var cls = features.Select(1, 0);
        var dist = features.Select(1, 1);
        if (preLogits)
            return (cls, dist);
        using (cls)
        using (dist)
            return (Head.Forward(cls), HeadDist.Forward(dist));
    }

    /// <inheritdoc/>
    public override void ResetClassifier(int numClasses)
    {
        base.ResetClassifier(numClasses);
        HeadDist = ReplaceChild("head_dist", NewHead(numClasses));
    }
}
