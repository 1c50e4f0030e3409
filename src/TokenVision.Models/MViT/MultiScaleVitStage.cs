using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.MViT;

/// <summary>
/// One MViTv2 stage: blocks at one resolution, the first of which pools the queries (and changes the width). Keys:
/// <c>blocks.{i}.*</c>.
/// </summary>
public sealed class MultiScaleVitStage : Module
{
    /// <summary>Creates the stage.</summary>
    /// <param name="dim">Input width.</param>
    /// <param name="dimOut">Output width.</param>
    /// <param name="depth">Number of blocks.</param>
    /// <param name="numHeads">Attention heads.</param>
    /// <param name="featSize">Input token grid.</param>
    /// <param name="config">The resolved model configuration.</param>
    /// <param name="strideQ">Query stride of the first block.</param>
    /// <param name="strideKv">Key/value stride of every block.</param>
    /// <param name="dropPath">Stochastic-depth rate per block.</param>
    /// <param name="generator">Initialisation randomness.</param>
    public MultiScaleVitStage(int dim, int dimOut, int depth, int numHeads, (int H, int W) featSize, MViTv2Config config,
        (int H, int W) strideQ, (int H, int W) strideKv, IReadOnlyList<float> dropPath, Generator generator)
    {
        Blocks = Register("blocks", new ModuleList<MultiScaleBlock>());
        // With expand_attn every block outputs dim_out; otherwise only the last one widens.
        for (var i = 0; i < depth; i++)
        {
            var outDim = config.ExpandAttn || i == depth - 1 ? dimOut : dim;
            Blocks.Add(new MultiScaleBlock(dim, outDim, numHeads, featSize, config, i == 0 ? strideQ : (1, 1), strideKv, dropPath[i], generator));
            dim = outDim;
            if (i == 0)
                featSize = (featSize.H / strideQ.H, featSize.W / strideQ.W);
        }
        FeatSize = featSize;
    }

    /// <summary>The blocks.</summary>
    public ModuleList<MultiScaleBlock> Blocks { get; }

    /// <summary>Output grid at the configured input size.</summary>
    public (int H, int W) FeatSize { get; }

    /// <summary>[B, prefix + H·W, dim] → [B, prefix + H'·W', dim_out]; <paramref name="featSize"/> becomes the output grid.</summary>
    public Tensor Forward(Tensor x, ref (int H, int W) featSize)
    {
        var current = x.Identity();
        foreach (var block in Blocks)
        {
            var next = block.Forward(current, ref featSize);
            current.Dispose();
            current = next;
        }
        return current;
    }
}
