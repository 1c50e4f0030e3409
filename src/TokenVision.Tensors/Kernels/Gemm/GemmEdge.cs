using System.Runtime.CompilerServices;
namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>Writes the valid part of a tile computed into a scratch buffer (micro-kernels without masked stores).</summary>
internal static unsafe class GemmEdge
{
    /// <summary>
    /// <c>C[r, j] = fma(C[r, j], beta, tile[r, j]) + bias[j]</c> for r &lt; rows, j &lt; cols, where tile already holds
    /// alpha * acc: the same arithmetic as a full tile's vector store. beta = 0 does not read C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Merge(float* tile, int width, float* c, nint ldc, int rows, int cols, float beta, float* bias)
    {
        for (var r = 0; r < rows; r++, tile += width, c += ldc)
        {
            for (var j = 0; j < cols; j++)
            {
                var v = tile[j];
                if (beta != 0f)
                    v = MathF.FusedMultiplyAdd(c[j], beta, v);
                if (bias != null)
                    v += bias[j];
                c[j] = v;
            }
        }
    }
}
