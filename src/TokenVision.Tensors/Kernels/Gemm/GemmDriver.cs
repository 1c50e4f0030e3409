using System.Runtime.CompilerServices;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// The blocked SGEMM loops for one micro-kernel (after Goto and van de Geijn, "Anatomy of High-Performance Matrix
/// Multiplication", 2008, in the loop order that keeps the A panel in L1):
/// for each KC block of depth and NC block of columns, pack B once (it stays in L2); then for each Mr rows sweep
/// the micro-kernel across the B panels. A row-major A is read in place (as in ONNX Runtime's MLAS; its Mr rows
/// stay in L1 during the sweep); a transposed A is packed one Mr-row panel at a time first (with several
/// column blocks all A panels are packed once and kept). The first depth block applies beta, the last applies
/// bias and activation while the tile is hot.
/// </summary>
/// <remarks>
/// The arithmetic for an element of C depends only on K, the kernel and where its panel starts (columns are
/// paneled from 0 in steps of Nr), not on the [m0, m1) x [n0, n1) range a thread is given, as long as m0 is a
/// multiple of Mr and n0 a multiple of Nr: results are the same for any thread count.
/// </remarks>
internal static unsafe class GemmDriver<TKernel>
    where TKernel : struct, IGemmKernel
{
    // Largest packed A (floats) kept across column blocks: 16 MB.
    private const long MaxKeptA = 4L << 20;

    /// <summary>Number of depth blocks for a product of depth <paramref name="k"/>.</summary>
    public static int DepthBlocks(int k) => Math.Max(1, (k + TKernel.Kc - 1) / TKernel.Kc);

    /// <summary>Computes rows [m0, m1) and columns [n0, n1) of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmProblem p, int m0, int m1, int n0, int n1)
    {
        if (m0 >= m1 || n0 >= n1)
            return;
        var k = p.K;
        if (k == 0 || p.Alpha == 0f)
        {
            ScaleOnly(p, m0, m1, n0, n1);
            return;
        }
        var mr = TKernel.Mr;
        var nr = TKernel.Nr;
        var blocks = DepthBlocks(k);
        var maxKc = (k + blocks - 1) / blocks;
        var panelsA = (m1 - m0 + mr - 1) / mr;
        var columnBlocks = (n1 - n0 + TKernel.Nc - 1) / TKernel.Nc;
        // A stored row-major is read in place (no packing). A stored transposed is packed: with several column
        // blocks, pack all of this range's A panels once per depth block and reuse them (they are read from
        // L2/L3 one panel at a time); else, or if that would be large, pack per panel.
        var rowsA = !p.TransA;
        var keepA = !rowsA && columnBlocks > 1 && (long)panelsA * mr * maxKc <= MaxKeptA;
        var packedA = rowsA ? null : GemmBuffers.A((nint)(keepA ? panelsA : 1) * mr * maxKc);
        var packedB = GemmBuffers.B((nint)maxKc * (Math.Min(TKernel.Nc, n1 - n0) + nr));
        for (var kb = 0; kb < blocks; kb++)
        {
            var p0 = (int)((long)k * kb / blocks);
            var kc = (int)((long)k * (kb + 1) / blocks) - p0;
            var last = kb == blocks - 1;
            var beta = kb == 0 ? p.Beta : 1f;
            for (var jc = n0; jc < n1; jc += TKernel.Nc)
            {
                var nc = Math.Min(TKernel.Nc, n1 - jc);
                PackBlockB(p, p0, kc, jc, nc, packedB);
                for (var ir = m0; ir < m1; ir += mr)
                {
                    var rows = Math.Min(mr, m1 - ir);
                    var panelA = rowsA ? p.A + (nint)ir * p.Lda + p0
                        : keepA ? packedA + (nint)((ir - m0) / mr) * mr * kc : packedA;
                    if (!rowsA && (!keepA || jc == n0))
                        GemmPacking.PackA(p, ir, rows, p0, kc, mr, PackWithAvx, panelA);
                    Sweep(p, panelA, packedB, ir, rows, jc, nc, kc, beta, last);
                }
            }
        }
    }

    /// <summary>Packs columns [jc, jc + nc) x depth [p0, p0 + kc) of op(B) as consecutive panels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBlockB(in GemmProblem p, int p0, int kc, int jc, int nc, float* dst)
    {
        for (var jr = jc; jr < jc + nc;)
        {
            var cols = Math.Min(TKernel.Nr, jc + nc - jr);
            var width = PanelWidth(p, cols);
            GemmPacking.PackB(p, p0, kc, jr, cols, width, PackWithAvx, dst);
            dst += (nint)kc * width;
            jr += cols;
        }
    }

    /// <summary>
    /// Multiplies one A panel (rows [ir, ir + rows); packed, or A itself when A is row-major) by a packed B block
    /// (columns [jc, jc + nc)) into C; <paramref name="last"/> marks the last depth block, which adds the bias and
    /// applies the activation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sweep(in GemmProblem p, float* panelA, float* packedB, int ir, int rows, int jc, int nc, int kc, float beta, bool last)
    {
        var cRow = p.C + (nint)ir * p.Ldc;
        var panel = packedB;
        var activation = p.Activation;
        for (var jr = jc; jr < jc + nc;)
        {
            var cols = Math.Min(TKernel.Nr, jc + nc - jr);
            var width = PanelWidth(p, cols);
            var bias = last && p.Bias != null ? p.Bias + jr : null;
            var tile = cRow + jr;
            var args = new GemmTileArgs(p.Alpha, beta, bias);
            if (!p.TransA)
                TKernel.TileRows(kc, panelA, p.Lda, panel, tile, p.Ldc, args, rows, cols);
            else
                TKernel.Tile(kc, panelA, panel, width, tile, p.Ldc, args, rows, cols);
            if (last && activation != ActivationKind.None)
            {
                for (var r = 0; r < rows; r++)
                    UnaryKernel.Activate(TKernel.Isa, tile + (nint)r * p.Ldc, cols, activation);
            }
            panel += (nint)kc * width;
            jr += cols;
        }
    }

    // Packing may use 256-bit AVX shuffles at the AVX2 and AVX-512 levels.
    private static bool PackWithAvx => TKernel.Isa >= IsaLevel.Avx2;

    // Width of the B panel holding `cols` columns: the kernel's narrowest fit, except that the in-place-A tile
    // (row-major A) reads full Nr-wide panels.
    private static int PanelWidth(in GemmProblem p, int cols) => p.TransA ? TKernel.PanelWidth(cols) : TKernel.Nr;

    /// <summary>K = 0 or alpha = 0: C = act(beta * C + bias), with beta = 0 writing zeros without reading C.</summary>
    public static void ScaleOnly(in GemmProblem p, int m0, int m1, int n0, int n1)
    {
        for (var i = m0; i < m1; i++)
        {
            var c = p.C + (nint)i * p.Ldc;
            for (var j = n0; j < n1; j++)
            {
                var v = p.Beta == 0f ? 0f : p.Beta * c[j];
                if (p.Bias != null)
                    v += p.Bias[j];
                c[j] = v;
            }
            if (p.Activation != ActivationKind.None)
                UnaryKernel.Activate(TKernel.Isa, c + n0, n1 - n0, p.Activation);
        }
    }
}
