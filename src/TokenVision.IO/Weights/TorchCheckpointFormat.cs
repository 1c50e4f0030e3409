namespace TokenVision.IO.Weights;

/// <summary>Container format of a PyTorch checkpoint.</summary>
public enum TorchCheckpointFormat
{
    /// <summary>The zip archive <c>torch.save</c> writes since 1.6: <c>&lt;archive&gt;/data.pkl</c> plus one <c>data/&lt;key&gt;</c> member per storage.</summary>
    Zip,
    /// <summary>The older stream (<c>_use_new_zipfile_serialization=False</c>): magic, protocol and system-info pickles, the object pickle, the storage-key list, then each storage as an int64 element count and its bytes.</summary>
    Legacy,
}
