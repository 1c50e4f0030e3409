namespace TokenVision.Models.ResNet;

/// <summary>The residual block a ResNet stacks (timm's <c>block</c> argument).</summary>
public enum ResNetBlockType
{
    /// <summary>Two 3x3 convolutions (ResNet-18/34); expansion 1.</summary>
    Basic,

    /// <summary>1x1 reduce, 3x3, 1x1 expand (ResNet-50 and deeper); expansion 4.</summary>
    Bottleneck,
}
