namespace TokenVision.Models.Swin;

/// <summary>The registered timm Swin Transformer variants (timm names and defaults).</summary>
internal static class SwinVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        var pretrained = new PretrainedConfig { CropPct = 0.9f, Interpolation = "bicubic", Classifier = ["head.fc"] };
        void Swin(string name, SwinConfig c) => r.Add(name, c, cfg => new SwinTransformer(cfg), pretrained);
        Swin("swin_tiny_patch4_window7_224", new SwinConfig { EmbedDim = 96, Depths = [2, 2, 6, 2], NumHeads = [3, 6, 12, 24] });
        Swin("swin_small_patch4_window7_224", new SwinConfig { EmbedDim = 96, Depths = [2, 2, 18, 2], NumHeads = [3, 6, 12, 24] });
        Swin("swin_base_patch4_window7_224", new SwinConfig { EmbedDim = 128, Depths = [2, 2, 18, 2], NumHeads = [4, 8, 16, 32] });
    }
}
