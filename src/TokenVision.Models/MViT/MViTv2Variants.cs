namespace TokenVision.Models.MViT;

/// <summary>The registered MViTv2 image variants (timm names, built-in <c>model_cfgs</c> and <c>default_cfgs</c>).</summary>
internal static class MViTv2Variants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        // timm _cfg: ImageNet mean/std, crop_pct 0.9, bicubic, classifier head.fc.
        var pretrained = new PretrainedConfig { CropPct = 0.9f, Interpolation = "bicubic", Classifier = ["head.fc"] };
        void Add(string name, MViTv2Config c) => r.Add(name, c, cfg => new MultiScaleVit(cfg), pretrained);
        Add("mvitv2_tiny", new MViTv2Config { Depths = [1, 2, 5, 2] });
        Add("mvitv2_small", new MViTv2Config { Depths = [1, 2, 11, 2] });
        Add("mvitv2_base", new MViTv2Config { Depths = [2, 3, 16, 3] });
        Add("mvitv2_large", new MViTv2Config { Depths = [2, 6, 36, 4], EmbedDim = [144], NumHeads = [2], ExpandAttn = false });
        Add("mvitv2_small_cls", new MViTv2Config { Depths = [1, 2, 11, 2], UseClsToken = true });
    }
}
