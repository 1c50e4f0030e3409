namespace TokenVision.Models.TorchvisionSwin;

/// <summary>The registered torchvision Swin Transformer builders (torchvision names and defaults).</summary>
internal static class TorchvisionSwinVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        // Swin_T_Weights.IMAGENET1K_V1: resize 232 bicubic, centre crop 224, ImageNet mean/std.
        var swinT = new PretrainedConfig { CropPct = 224f / 232f, Interpolation = "bicubic", FirstConv = "features.0.0", Classifier = ["head"] };
        r.Add("swin_t", new TorchvisionSwinConfig { StochasticDepthProb = 0.2f }, c => new TorchvisionSwinTransformer(c), swinT);
    }
}
