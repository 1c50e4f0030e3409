namespace TokenVision.Models.ResNet;

/// <summary>The registered ResNet variants (timm names and defaults).</summary>
internal static class ResNetVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        // timm's default tag for these names is a1_in1k (ResNet strikes back, _rcfg): 224 px, crop 0.95, bicubic,
        // ImageNet mean/std; validation at 288 px uncropped.
        var a1 = new PretrainedConfig
        {
            InputSize = [3, 224, 224],
            Interpolation = "bicubic",
            CropPct = 0.95f,
            TestInputSize = [3, 288, 288],
            TestCropPct = 1f,
            CropMode = "center",
            Mean = PretrainedConfig.ImagenetMean,
            Std = PretrainedConfig.ImagenetStd,
            FirstConv = "conv1",
            Classifier = ["fc"],
        };
        void Add(string name, ResNetConfig c) => r.Add(name, c, cfg => new ResNet(cfg), a1);
        Add("resnet18", new ResNetConfig { Block = ResNetBlockType.Basic, Layers = [2, 2, 2, 2] });
        Add("resnet34", new ResNetConfig { Block = ResNetBlockType.Basic, Layers = [3, 4, 6, 3] });
        Add("resnet50", new ResNetConfig { Block = ResNetBlockType.Bottleneck, Layers = [3, 4, 6, 3] });
    }
}
