namespace TokenVision.Models.TorchvisionMViT;

/// <summary>The registered torchvision video MViT builders (builder names and defaults).</summary>
internal static class VideoMViTVariants
{
    public static void Register(ModelRegistry.Registrar r)
    {
        // MViT_V2_S_Weights.KINETICS400_V1: 16x224x224 clips, resize 256 (bilinear), centre crop 224,
        // Kinetics mean/std, 400 classes.
        var kinetics = new PretrainedConfig
        {
            InputSize = [3, 16, 224, 224],
            Interpolation = "bilinear",
            CropPct = 224f / 256f,
            Mean = [0.45f, 0.45f, 0.45f],
            Std = [0.225f, 0.225f, 0.225f],
            NumClasses = 400,
            FirstConv = "conv_proj",
            Classifier = ["head.1"],
        };
        r.Add("mvit_v2_s", MViTV2S(), c => new VideoMViT(c), kinetics);
    }

    /// <summary>torchvision's <c>mvit_v2_s</c>: 16 blocks in four scales (96 → 768 channels), residual pooling and relative positions.</summary>
    private static VideoMViTConfig MViTV2S()
    {
        int[] heads = [1, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8, 8];
        int[] input = [96, 96, 192, 192, 384, 384, 384, 384, 384, 384, 384, 384, 384, 384, 384, 768];
        int[] output = [96, 192, 192, 384, 384, 384, 384, 384, 384, 384, 384, 384, 384, 384, 768, 768];
        // Queries halve h and w where the width doubles (blocks 1, 3, 14); keys/values keep a 7x7 grid at 224 px.
        var downsample = new HashSet<int> { 1, 3, 14 };
        var blocks = new MSBlockConfig[heads.Length];
        for (var i = 0; i < blocks.Length; i++)
        {
            int[] strideKv = i switch
            {
                0 => [1, 8, 8],
                1 or 2 => [1, 4, 4],
                < 14 => [1, 2, 2],
                _ => [1, 1, 1],
            };
            blocks[i] = new MSBlockConfig
            {
                NumHeads = heads[i],
                InputChannels = input[i],
                OutputChannels = output[i],
                KernelQ = [3, 3, 3],
                KernelKv = [3, 3, 3],
                StrideQ = downsample.Contains(i) ? [1, 2, 2] : [1, 1, 1],
                StrideKv = strideKv,
            };
        }
        return new VideoMViTConfig
        {
            SpatialSize = (224, 224),
            TemporalSize = 16,
            BlockSetting = blocks,
            ResidualPool = true,
            ResidualWithClsEmbed = false,
            RelPosEmbed = true,
            ProjAfterAttn = true,
            StochasticDepthProb = 0.2f,
            NumClasses = 400,
        };
    }
}
