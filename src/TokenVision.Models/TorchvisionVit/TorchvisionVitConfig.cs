namespace TokenVision.Models.TorchvisionVit;

/// <summary>
/// torchvision Vision Transformer settings; properties are the keyword arguments of
/// <c>torchvision.models.vision_transformer.VisionTransformer</c> in PascalCase (defaults: vit_b_16).
/// </summary>
public sealed record TorchvisionVitConfig : ModelConfig
{
    /// <summary>Input image side (square inputs of exactly this size).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Patch side.</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>Number of encoder blocks.</summary>
    public int NumLayers { get; init; } = 12;

    /// <summary>Attention heads.</summary>
    public int NumHeads { get; init; } = 12;

    /// <summary>Token width.</summary>
    public int HiddenDim { get; init; } = 768;

    /// <summary>MLP hidden width.</summary>
    public int MlpDim { get; init; } = 3072;

    /// <summary>Dropout after the position embedding, the attention output and in the MLP.</summary>
    public float Dropout { get; init; }

    /// <summary>Dropout on attention weights.</summary>
    public float AttentionDropout { get; init; }

    /// <summary>Width of the tanh pre-logits layer (<c>heads.pre_logits</c>), or null for a single linear head.</summary>
    public int? RepresentationSize { get; init; }

    /// <summary>
    /// Zero-initialise <c>heads.head</c> as torchvision does (true). Not a torchvision argument: set false to draw
    /// it like <c>pre_logits</c> (truncated normal, std sqrt(1/fan_in)) so that gradients reach the backbone from
    /// the first step.
    /// </summary>
    public bool ZeroInitHead { get; init; } = true;
}
