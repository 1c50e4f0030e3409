using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// Image to patch tokens (Dosovitskiy et al., 2021): a conv with kernel = stride = patch size, then flatten to
/// [B, N, C], as timm's <c>PatchEmbed</c>; the conv runs as a linear projection of the flattened patches. Keys: <c>proj.*</c>, <c>norm.*</c> (when used).
/// </summary>
public sealed class PatchEmbed : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer for <paramref name="imgSize"/> inputs.</summary>
    public PatchEmbed((int H, int W) imgSize, (int H, int W) patchSize, int inChans, int embedDim, Generator generator,
        bool bias = true, bool useNorm = false, float normEps = 1e-6f, bool strictImgSize = true, bool flatten = true)
    {
        ImgSize = imgSize;
        PatchSize = patchSize;
        GridSize = (imgSize.H / patchSize.H, imgSize.W / patchSize.W);
        StrictImgSize = strictImgSize;
        Flatten = flatten;
        Proj = Register("proj", new Conv2d(inChans, embedDim, patchSize, generator, patchSize, bias: bias));
        Norm = Register<Module<Tensor, Tensor>>("norm", useNorm ? new LayerNorm(embedDim, normEps) : new Identity());
    }

    /// <summary>Configured input size.</summary>
    public (int H, int W) ImgSize { get; }

    /// <summary>Patch size.</summary>
    public (int H, int W) PatchSize { get; }

    /// <summary>Patches per side at the configured size.</summary>
    public (int H, int W) GridSize { get; }

    /// <summary>Number of patches at the configured size.</summary>
    public int NumPatches => GridSize.H * GridSize.W;

    /// <summary>Whether inputs must have the configured size.</summary>
    public bool StrictImgSize { get; set; }

    /// <summary>Whether the output is flattened to [B, N, C] (else NHWC [B, H', W', C]).</summary>
    public bool Flatten { get; }

    /// <summary>The patch projection.</summary>
    public Conv2d Proj { get; }

    /// <summary>Norm after the projection (Identity by default).</summary>
    public Module<Tensor, Tensor> Norm { get; }

    /// <summary>[B, C, H, W] → [B, H/p·W/p, D] (or [B, H/p, W/p, D]).</summary>
    public override Tensor Forward(Tensor x)
    {
        var (h, w) = (x.Shape[2], x.Shape[3]);
        if (StrictImgSize && (h != ImgSize.H || w != ImgSize.W))
            throw new ArgumentException($"PatchEmbed: input size {h}x{w} does not match the model's {ImgSize.H}x{ImgSize.W}");
        if (h % PatchSize.H != 0 || w % PatchSize.W != 0)
            throw new ArgumentException($"PatchEmbed: input size {h}x{w} is not divisible by the patch size {PatchSize.H}x{PatchSize.W}");
        // Kernel = stride = patch: the conv is one matrix product of the flattened patches with the flattened filters.
        var (b, c) = (x.Shape[0], x.Shape[1]);
        var (gh, gw) = (h / PatchSize.H, w / PatchSize.W);
        using var grid = x.Reshape(b, c, gh, PatchSize.H, gw, PatchSize.W);
        using var perPatch = grid.Permute(0, 2, 4, 1, 3, 5);          // [B, H', W', C, p, p]
        using var patches = perPatch.Reshape(b, gh, gw, c * PatchSize.H * PatchSize.W);
        using var filters = Proj.Weight.Reshape(Proj.Weight.Shape[0], -1);   // [D, C·p·p]
        using var nhwc = Tensor.Linear(patches, filters, Proj.Bias);  // [B, H', W', D]
        using var tokens = Flatten ? nhwc.Flatten(1, 2) : nhwc.Identity();
        return Norm.Forward(tokens);
    }
}
