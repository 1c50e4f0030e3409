namespace TokenVision.IO.Weights;

/// <summary>Opens a weight file of either format, chosen by content (not by extension).</summary>
public static class WeightFile
{
    /// <summary>
    /// Opens <paramref name="path"/> as safetensors when it starts with a header length followed by <c>{</c>, otherwise as a
    /// PyTorch checkpoint (zip or legacy), which reports a clear error for anything else.
    /// </summary>
    /// <param name="path">A <c>.safetensors</c>, <c>.pth</c>, <c>.pt</c> or <c>.bin</c> file.</param>
    /// <param name="options">State-dict selection for PyTorch checkpoints; ignored for safetensors.</param>
    public static ITensorSource Open(string path, StateDictOptions? options = null) =>
        IsSafetensors(path) ? SafetensorsReader.Open(path) : TorchCheckpointReader.Open(path, options);

    private static bool IsSafetensors(string path)
    {
        Span<byte> head = stackalloc byte[9];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        if (stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length)
            return path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (head.StartsWith("PK"u8) || head[0] == 0x80)
            return false;
        return head[8] == (byte)'{' || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
    }
}
