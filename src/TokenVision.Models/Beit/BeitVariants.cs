namespace TokenVision.Models.Beit;

/// <summary>The registered BEiT variants (timm names and defaults).</summary>
internal static class BeitVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        // timm beit _cfg: 224 px (fixed input size), crop 0.9, bicubic, mean/std 0.5 (tag in22k_ft_in22k_in1k).
        var pretrained = new PretrainedConfig
        {
            InputSize = [3, 224, 224],
            Interpolation = "bicubic",
            CropPct = 0.9f,
            CropMode = "center",
            Mean = PretrainedConfig.InceptionMeanStd,
            Std = PretrainedConfig.InceptionMeanStd,
            FirstConv = "patch_embed.proj",
            Classifier = ["head"],
        };
        r.Add("beit_base_patch16_224", new BeitConfig
        {
            PatchSize = (16, 16),
            EmbedDim = 768,
            Depth = 12,
            NumHeads = 12,
            MlpRatio = 4f,
            UseAbsPosEmb = false,
            UseRelPosBias = true,
            InitValues = 0.1f,
        }, c => new Beit(c), pretrained);
    }
}
