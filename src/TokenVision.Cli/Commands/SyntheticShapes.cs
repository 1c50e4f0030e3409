using TokenVision.Tensors;

namespace TokenVision.Cli.Commands;

/// <summary>
/// A built-in image classification task needing no files: 16x16 RGB images of horizontal stripes, vertical
/// stripes, diagonal stripes or a checkerboard, with random period, phase, complementary colours and noise.
/// </summary>
internal static class SyntheticShapes
{
    public const int Classes = 4;
    public const int Size = 16;

    public static readonly string[] ClassNames = ["horizontal", "vertical", "diagonal", "checker"];

    /// <summary>A batch: images [B, 3, 16, 16] normalised to about zero mean, labels [B] int64.</summary>
    public static (Tensor Images, Tensor Labels) Batch(int batch, Generator g)
    {
        var pixels = new float[batch * 3 * Size * Size];
        var labels = new long[batch];
        for (var b = 0; b < batch; b++)
        {
            var label = g.NextInt(0, Classes);
            labels[b] = label;
            var period = g.NextInt(3, 7);
            var phase = g.NextInt(0, period);
            Span<float> fg = [g.NextSingle(), g.NextSingle(), g.NextSingle()];
            Span<float> bg = [1 - fg[0], 1 - fg[1], 1 - fg[2]];
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var on = label switch
                    {
                        0 => (y + phase) % period < period / 2,
                        1 => (x + phase) % period < period / 2,
                        2 => (x + y + phase) % period < period / 2,
                        _ => ((x + phase) / Math.Max(period / 2, 1) + (y + phase) / Math.Max(period / 2, 1)) % 2 == 0,
                    };
                    for (var c = 0; c < 3; c++)
                    {
                        var v = (on ? fg[c] : bg[c]) + 0.1f * (float)g.NextNormal();
                        pixels[((b * 3 + c) * Size + y) * Size + x] = (v - 0.5f) / 0.3f;
                    }
                }
            }
        }
        return (Tensor.FromArray(pixels, batch, 3, Size, Size), Tensor.FromArray(labels, batch));
    }
}
