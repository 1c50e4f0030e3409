using TokenVision.Tensors;

namespace TokenVision.Models;

/// <summary>
/// What every classification model offers, as timm's models do: features, the pooled head, intermediate feature
/// maps, and replacing the classifier.
/// </summary>
public interface IImageClassifier
{
    /// <summary>The backbone output before pooling (ViT: [B, prefix + N, D]; Swin: [B, H, W, C]; ResNet: [B, C, H, W]).</summary>
    Tensor ForwardFeatures(Tensor x);

    /// <summary>Pools the features and applies the classifier, or returns the pooled features when <paramref name="preLogits"/>.</summary>
    Tensor ForwardHead(Tensor features, bool preLogits = false);

    /// <summary>
    /// Runs the backbone and returns the outputs of the blocks (or stages) listed in <paramref name="indices"/> as
    /// NCHW feature maps, plus the final features.
    /// </summary>
    (Tensor Final, IReadOnlyList<Tensor> Intermediates) ForwardIntermediates(Tensor x, IReadOnlyList<int> indices);

    /// <summary>Replaces the classifier with a freshly initialised one for <paramref name="numClasses"/> outputs (0 removes it).</summary>
    void ResetClassifier(int numClasses);

    /// <summary>Width of the pooled features.</summary>
    int NumFeatures { get; }

    /// <summary>Number of classifier outputs.</summary>
    int NumClasses { get; }
}
