using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.TorchvisionMViT;

/// <summary>
/// Prepends the class token and, without relative positions, adds separable space-time position embeddings
/// (pos[t·HW + s] = temporal[t] + spatial[s]), as torchvision's MViT <c>PositionalEncoding</c>. Keys:
/// <c>class_token</c>, and <c>spatial_pos</c>, <c>temporal_pos</c>, <c>class_pos</c> when absolute.
/// </summary>
public sealed class PositionalEncoding : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer for a (temporal, spatial) token grid.</summary>
    public PositionalEncoding(int embedSize, (int H, int W) spatialSize, int temporalSize, bool relPosEmbed)
    {
        SpatialSize = spatialSize;
        TemporalSize = temporalSize;
        ClassToken = RegisterParameter("class_token", Tensor.Zeros(embedSize));
        if (!relPosEmbed)
        {
            SpatialPos = RegisterParameter("spatial_pos", Tensor.Zeros(spatialSize.H * spatialSize.W, embedSize));
            TemporalPos = RegisterParameter("temporal_pos", Tensor.Zeros(temporalSize, embedSize));
            ClassPos = RegisterParameter("class_pos", Tensor.Zeros(embedSize));
        }
    }

    /// <summary>Token grid (h, w) of a frame at the configured size.</summary>
    public (int H, int W) SpatialSize { get; }

    /// <summary>Token frames at the configured size.</summary>
    public int TemporalSize { get; }

    /// <summary>[C] class token.</summary>
    public Tensor ClassToken { get; }

    /// <summary>[H·W, C] spatial embedding, or null with relative positions.</summary>
    public Tensor? SpatialPos { get; }

    /// <summary>[T, C] temporal embedding, or null with relative positions.</summary>
    public Tensor? TemporalPos { get; }

    /// <summary>[C] class-token embedding, or null with relative positions.</summary>
    public Tensor? ClassPos { get; }

    /// <summary>[B, T·H·W, C] → [B, 1 + T·H·W, C].</summary>
    public override Tensor Forward(Tensor x)
    {
        var (b, n, c) = (x.Shape[0], x.Shape[1], x.Shape[2]);
        using var token = ClassToken.Reshape(1, 1, c);
        using var tokens = token.Expand(b, 1, c);
        using var withCls = Tensor.Cat([tokens, x], 1);
        if (SpatialPos is null || TemporalPos is null || ClassPos is null)
            return withCls.Identity();
        if (n != TemporalSize * SpatialSize.H * SpatialSize.W)
            throw new ArgumentException($"MViT: {n} tokens do not match the absolute position embedding of {TemporalSize}x{SpatialSize.H}x{SpatialSize.W}");
        using var t = TemporalPos.Unsqueeze(1);                          // [T, 1, C]
        using var s = SpatialPos.Unsqueeze(0);                           // [1, H·W, C]
        using var grid = t + s;                                          // [T, H·W, C]
        using var flat = grid.Reshape(n, c);
        using var cls = ClassPos.Unsqueeze(0);
        using var pos = Tensor.Cat([cls, flat], 0);                      // [1 + T·H·W, C]
        return withCls + pos;
    }
}
