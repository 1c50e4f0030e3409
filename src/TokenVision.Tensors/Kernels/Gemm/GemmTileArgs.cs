namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>How a micro-kernel writes its tile: <c>C = alpha * acc + beta * C + bias</c> (beta 0 never reads C).</summary>
internal readonly unsafe struct GemmTileArgs
{
    /// <summary>Creates the arguments.</summary>
    public GemmTileArgs(float alpha, float beta, float* bias)
    {
        Alpha = alpha;
        Beta = beta;
        Bias = bias;
    }

    /// <summary>Scale of the product.</summary>
    public float Alpha { get; }

    /// <summary>Scale of the existing C; 0 means C is not read.</summary>
    public float Beta { get; }

    /// <summary>Bias for the tile's first column onwards, or null.</summary>
    public float* Bias { get; }
}
