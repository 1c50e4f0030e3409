using TokenVision.Tensors;

namespace TokenVision.Models;

/// <summary>A model whose family adapts checkpoints before loading (timm's <c>checkpoint_filter_fn</c>).</summary>
public interface ICheckpointFilter
{
    /// <summary>Returns the state dict with this family's quirks applied (resampled position embeddings, renamed keys, dropped non-persistent buffers).</summary>
    IReadOnlyDictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> stateDict);
}
