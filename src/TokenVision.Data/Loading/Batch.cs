using TokenVision.Tensors;

namespace TokenVision.Data.Loading;

/// <summary>One batch from a <see cref="DataLoader"/>; disposing it releases both tensors.</summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor labels, int[] indices, int epoch, int index)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
        Epoch = epoch;
        Index = index;
    }

    /// <summary>The items, float32 <c>[B, ...]</c> (images: <c>[B, C, H, W]</c>).</summary>
    public Tensor Images { get; }

    /// <summary>int64 class indices <c>[B]</c>, or float32 soft targets <c>[B, classes]</c> when mixup is on.</summary>
    public Tensor Labels { get; }

    /// <summary>The dataset index of each item.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; }

    /// <summary>Position of the batch in its epoch.</summary>
    public int Index { get; }

    /// <summary>Number of items.</summary>
    public int Count => Indices.Count;

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
