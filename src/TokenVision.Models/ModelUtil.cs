namespace TokenVision.Models;

/// <summary>Small helpers shared by the model families.</summary>
internal static class ModelUtil
{
    /// <summary>Block indices from timm-style <c>indices</c>: negative values count from the end.</summary>
    public static HashSet<int> ResolveIndices(IReadOnlyList<int> indices, int count)
    {
        var result = new HashSet<int>();
        foreach (var i in indices)
        {
            var k = i < 0 ? i + count : i;
            if ((uint)k >= (uint)count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"block index {i} out of range for {count} blocks");
            result.Add(k);
        }
        return result;
    }
}
