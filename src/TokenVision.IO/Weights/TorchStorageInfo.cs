namespace TokenVision.IO.Weights;

/// <summary>
/// A storage referenced by a PyTorch checkpoint through its persistent id
/// <c>('storage', torch.FloatStorage, key, location, numel)</c>; several tensors may share one storage.
/// </summary>
/// <param name="Key">Storage key: the zip member <c>&lt;archive&gt;/data/&lt;key&gt;</c>, or the legacy-format record key.</param>
/// <param name="DType">Element type given by the storage class (<c>UntypedStorage</c> is <see cref="WeightDType.U8"/>).</param>
/// <param name="ElementCount">Number of elements the persistent id declares.</param>
/// <param name="Location">Device tag at save time, e.g. <c>cpu</c> or <c>cuda:0</c> (data is always read to the host).</param>
public sealed record TorchStorageInfo(string Key, WeightDType DType, long ElementCount, string Location)
{
    /// <summary>Declared size in bytes.</summary>
    public long ByteLength => ElementCount * DType.ItemSize();
}
