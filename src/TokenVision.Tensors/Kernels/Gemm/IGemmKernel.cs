namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// A register-blocked SGEMM micro-kernel and its blocking: it multiplies a packed Mr x kc panel of A
/// (<c>a[p * Mr + r]</c>) by a packed kc x width panel of B (<c>b[p * width + j]</c>) and writes an Mr x width tile of C.
/// </summary>
internal unsafe interface IGemmKernel
{
    /// <summary>Rows of the register tile (rows of a packed A panel).</summary>
    static abstract int Mr { get; }

    /// <summary>Widest panel of B (columns of the register tile).</summary>
    static abstract int Nr { get; }

    /// <summary>Largest depth block (KC): a deeper product is split into near-equal blocks of at most this many.</summary>
    static abstract int Kc { get; }

    /// <summary>Columns of B packed per block (NC, a multiple of <see cref="Nr"/>), sized so a block stays in L2.</summary>
    static abstract int Nc { get; }

    /// <summary>The instruction-set level the kernel runs at (packing and the activation epilogue use it too).</summary>
    static abstract IsaLevel Isa { get; }

    /// <summary>Width of the panel that holds the last <paramref name="cols"/> (1 to Nr) columns.</summary>
    static abstract int PanelWidth(int cols);

    /// <summary>
    /// Computes an Mr x <paramref name="width"/> tile and writes its first <paramref name="rows"/> x
    /// <paramref name="cols"/> elements into <paramref name="c"/> (row stride <paramref name="ldc"/>).
    /// </summary>
    static abstract void Tile(int kc, float* a, float* b, int width, float* c, nint ldc, in GemmTileArgs args, int rows, int cols);

    /// <summary>
    /// As <see cref="Tile"/> with a panel of B that is <see cref="Nr"/> wide, but reading row r of A in place at
    /// <c>a + r * lda</c> (depth contiguous) instead of from a packed panel; the multiply-adds are the same, so the
    /// results are bitwise equal.
    /// </summary>
    static abstract void TileRows(int kc, float* a, nint lda, float* b, float* c, nint ldc, in GemmTileArgs args, int rows, int cols);
}
