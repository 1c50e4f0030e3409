namespace TokenVision.Models.TorchvisionVit;

/// <summary>The registered torchvision ViT builders (torchvision names and defaults).</summary>
internal static class TorchvisionVitVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        // ViT_B_16_Weights.IMAGENET1K_V1.transforms(): resize the short side to 256 (bilinear), centre-crop 224
        // (crop_pct 224/256), ImageNet mean/std.
        var imagenet1kV1 = new PretrainedConfig
        {
            InputSize = [3, 224, 224],
            Interpolation = "bilinear",
            CropPct = 224f / 256f,
            CropMode = "center",
            Mean = PretrainedConfig.ImagenetMean,
            Std = PretrainedConfig.ImagenetStd,
            FirstConv = "conv_proj",
            Classifier = ["heads.head"],
        };
        r.Add("vit_b_16", new TorchvisionVitConfig
        {
            ImageSize = 224,
            PatchSize = 16,
            NumLayers = 12,
            NumHeads = 12,
            HiddenDim = 768,
            MlpDim = 3072,
        }, c => new VisionTransformer(c), imagenet1kV1);
    }
}
