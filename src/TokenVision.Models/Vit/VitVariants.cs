namespace TokenVision.Models.Vit;

/// <summary>The registered ViT variants (timm names and defaults).</summary>
internal static class VitVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        var inception = new PretrainedConfig { Mean = PretrainedConfig.InceptionMeanStd, Std = PretrainedConfig.InceptionMeanStd };
        void Vit(string name, VitConfig c, PretrainedConfig? p = null) => r.Add(name, c, cfg => new VisionTransformer(cfg), p ?? inception);
        Vit("vit_tiny_patch16_224", new VitConfig { EmbedDim = 192, Depth = 12, NumHeads = 3 });
        Vit("vit_small_patch16_224", new VitConfig { EmbedDim = 384, Depth = 12, NumHeads = 6 });
        Vit("vit_base_patch16_224", new VitConfig { EmbedDim = 768, Depth = 12, NumHeads = 12 });
        Vit("vit_large_patch16_224", new VitConfig { EmbedDim = 1024, Depth = 24, NumHeads = 16 });
        Vit("vit_base_patch32_224", new VitConfig { PatchSize = (32, 32), EmbedDim = 768, Depth = 12, NumHeads = 12 });
        Vit("vit_base_patch16_384", new VitConfig { ImgSize = (384, 384), EmbedDim = 768, Depth = 12, NumHeads = 12 },
            inception with { InputSize = [3, 384, 384], CropPct = 1.0f, CropMode = "squash" });

        var deit = new PretrainedConfig { CropPct = 0.875f };
        var deitDistilled = deit with { Classifier = ["head", "head_dist"] };
        void Deit(string name, int dim, int heads)
        {
            var c = new VitConfig { EmbedDim = dim, Depth = 12, NumHeads = heads };
            r.Add($"deit_{name}_patch16_224", c, cfg => new VisionTransformer(cfg), deit);
            r.Add($"deit_{name}_distilled_patch16_224", c, cfg => new DistilledVisionTransformer(cfg), deitDistilled);
        }
        Deit("tiny", 192, 3);
        Deit("small", 384, 6);
        Deit("base", 768, 12);
    }
}
