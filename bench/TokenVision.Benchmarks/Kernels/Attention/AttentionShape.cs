namespace TokenVision.Benchmarks.Kernels.Attention;

/// <summary>Attention problems benchmarked: real model shapes.</summary>
public enum AttentionShape
{
    /// <summary>ViT-S/16 at 224, batch 8: B = 8, H = 6, N = 197, d = 64 (48 heads × 197 tokens).</summary>
    VitS16Batch8,

    /// <summary>MViTv2 first stage with pooled keys: B = 1, H = 1, Nq = 3136, Nk = 196, d = 96.</summary>
    Mvit3136x196,

    /// <summary>Full long sequence: B = 1, H = 1, Nq = Nk = 3136, d = 96.</summary>
    Mvit3136x3136,
}
