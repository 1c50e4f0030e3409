using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// One stage of the Swin Transformer, as timm's <c>SwinTransformerStage</c>: optional patch merging at the start
/// (stages after the first), then blocks alternating regular and shifted windows. Keys: <c>downsample.*</c>,
/// <c>blocks.{j}.*</c>.
/// </summary>
public sealed class SwinTransformerStage : Module<Tensor, Tensor>
{
    /// <summary>Creates the stage.</summary>
    /// <param name="dim">Input channels.</param>
    /// <param name="outDim">Channels of the blocks (equal to <paramref name="dim"/> without downsampling).</param>
    /// <param name="inputResolution">Feature size entering the stage.</param>
    /// <param name="depth">Number of blocks.</param>
    /// <param name="downsample">Whether the stage starts with patch merging.</param>
    /// <param name="numHeads">Attention heads.</param>
    /// <param name="config">Model settings.</param>
    /// <param name="dropPath">Stochastic-depth rate of each block.</param>
    /// <param name="generator">Initialisation generator.</param>
    public SwinTransformerStage(int dim, int outDim, (int H, int W) inputResolution, int depth, bool downsample, int numHeads,
        SwinConfig config, IReadOnlyList<float> dropPath, Generator generator)
    {
        if (!downsample && dim != outDim)
            throw new ArgumentException($"a Swin stage without downsampling keeps its width ({dim} != {outDim})");
        InputResolution = inputResolution;
        OutputResolution = downsample ? (inputResolution.H / 2, inputResolution.W / 2) : inputResolution;
        Downsample = Register<Module<Tensor, Tensor>>("downsample", downsample ? new PatchMerging(dim, generator, outDim) : new Identity());
        Blocks = Register("blocks", new Sequential());
        for (var i = 0; i < depth; i++)
            Blocks.Add(new SwinTransformerBlock(outDim, OutputResolution, numHeads, config.WindowSize, shifted: i % 2 == 1, config, dropPath[i], generator));
    }

    /// <summary>Feature size entering the stage.</summary>
    public (int H, int W) InputResolution { get; }

    /// <summary>Feature size of the blocks.</summary>
    public (int H, int W) OutputResolution { get; }

    /// <summary>Patch merging, or Identity in the first stage.</summary>
    public Module<Tensor, Tensor> Downsample { get; }

    /// <summary>The blocks.</summary>
    public Sequential Blocks { get; }

    /// <summary>[B, H, W, C] → [B, H', W', C'].</summary>
    public override Tensor Forward(Tensor x)
    {
        using var down = Downsample.Forward(x);
        return Blocks.Forward(down);
    }
}
