using TokenVision.Tensors.Kernels.Attention;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>
/// An output operand with its logical sizes over a NaN-filled buffer: readable as a dense [B, H, N, f] array, and
/// able to tell whether anything outside the operand was written.
/// </summary>
internal sealed unsafe class Strided(AttentionOperand operand, int b, int h, int n, int f, float* storage, long storageLength)
{
    /// <summary>The operand.</summary>
    public AttentionOperand Operand { get; } = operand;

    /// <summary>Dense copy [B, H, N, f].</summary>
    public float[] Read()
    {
        var result = new float[b * h * n * f];
        var k = 0;
        for (var bi = 0; bi < b; bi++)
        {
            for (var hi = 0; hi < h; hi++)
            {
                for (var i = 0; i < n; i++)
                {
                    var row = Operand.Matrix(bi, hi) + i * Operand.RowStride;
                    for (var c = 0; c < f; c++)
                        result[k++] = row[c];
                }
            }
        }
        return result;
    }

    /// <summary>Elements of the storage that are no longer NaN (written), inside the operand or not.</summary>
    public long Written()
    {
        long count = 0;
        for (long i = 0; i < storageLength; i++)
        {
            if (!float.IsNaN(storage[i]))
                count++;
        }
        return count;
    }

    /// <summary>Refills the storage with NaN.</summary>
    public void Poison() => new Span<float>(storage, checked((int)storageLength)).Fill(float.NaN);
}
