using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models;

/// <summary>A model built (and, from a folder, loaded) by <see cref="ModelLoader"/>, with what is needed to feed it.</summary>
public sealed record LoadedModel(
    string Architecture,
    Module<Tensor, Tensor> Model,
    ModelConfig Config,
    PretrainedConfig Pretrained,
    IReadOnlyList<string>? LabelNames,
    string Source)
{
    /// <summary>The model as a classifier (every registered architecture is one).</summary>
    public IImageClassifier Classifier => (IImageClassifier)Model;
}
