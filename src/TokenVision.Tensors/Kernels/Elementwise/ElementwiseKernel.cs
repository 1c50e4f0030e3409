using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Elementwise;

/// <summary>
/// Drives float32 elementwise operators over strided, broadcast operands into a contiguous output. Rows of the
/// merged iteration space are split across the worker pool; each output element has one writer.
/// </summary>
internal static unsafe class ElementwiseKernel
{
    /// <summary>Elements below which an operation stays on the calling thread.</summary>
    public const int ParallelThreshold = 1 << 15;

    /// <summary>out = op(a, b); <paramref name="aStrides"/>/<paramref name="bStrides"/> are broadcast strides over <paramref name="shape"/>.</summary>
    public static void Binary<TOp>(float* a, int[] aStrides, float* b, int[] bStrides, float* output, int[] shape)
        where TOp : struct, IBinaryOp
    {
        var outStrides = Tensor.ContiguousStrides(shape);
        var layout = new StridedLayout(shape, outStrides, aStrides, bStrides);
        var (pa, pb, po) = ((nint)a, (nint)b, (nint)output);
        ForRows(layout, (rowStart, rowEnd, colStart, colEnd) =>
        {
            Span<int> index = stackalloc int[layout.Shape.Length];
            Span<int> offsets = stackalloc int[3];
            layout.StartRow(rowStart, index, offsets);
            var sa = layout.InnerStride(1);
            var sb = layout.InnerStride(2);
            for (var r = rowStart; r < rowEnd; r++)
            {
                var n = colEnd - colStart;
                var ra = (float*)pa + offsets[1] + (long)colStart * sa;
                var rb = (float*)pb + offsets[2] + (long)colStart * sb;
                var ro = (float*)po + offsets[0] + colStart;
                BinaryRow<TOp>(ra, sa, rb, sb, ro, n);
                layout.NextRow(index, offsets);
            }
        });
    }

    /// <summary>out = op(x) over a strided input.</summary>
    public static void Unary<TOp>(float* x, int[] xStrides, float* output, int[] shape) where TOp : struct, IUnaryOp
    {
        var outStrides = Tensor.ContiguousStrides(shape);
        var layout = new StridedLayout(shape, outStrides, xStrides);
        var (px, po) = ((nint)x, (nint)output);
        ForRows(layout, (rowStart, rowEnd, colStart, colEnd) =>
        {
            Span<int> index = stackalloc int[layout.Shape.Length];
            Span<int> offsets = stackalloc int[2];
            layout.StartRow(rowStart, index, offsets);
            var sx = layout.InnerStride(1);
            for (var r = rowStart; r < rowEnd; r++)
            {
                var n = colEnd - colStart;
                var rx = (float*)px + offsets[1] + (long)colStart * sx;
                var ro = (float*)po + offsets[0] + colStart;
                if (sx == 1)
                {
                    TOp.Invoke(new ReadOnlySpan<float>(rx, n), new Span<float>(ro, n));
                }
                else
                {
                    for (var i = 0; i < n; i++)
                        ro[i] = TOp.Invoke(rx[(long)i * sx]);
                }
                layout.NextRow(index, offsets);
            }
        });
    }

    /// <summary>In place: dst = op(dst, b) where dst is contiguous and b broadcasts over it.</summary>
    public static void BinaryInPlace<TOp>(float* dst, int[] shape, float* b, int[] bStrides) where TOp : struct, IBinaryOp
    {
        var dstStrides = Tensor.ContiguousStrides(shape);
        Binary<TOp>(dst, dstStrides, b, bStrides, dst, shape);
    }

    private static void BinaryRow<TOp>(float* a, int sa, float* b, int sb, float* o, int n) where TOp : struct, IBinaryOp
    {
        var d = new Span<float>(o, n);
        if (sa == 1 && sb == 1)
            TOp.Invoke(new ReadOnlySpan<float>(a, n), new ReadOnlySpan<float>(b, n), d);
        else if (sa == 1 && sb == 0)
            TOp.Invoke(new ReadOnlySpan<float>(a, n), *b, d);
        else if (sa == 0 && sb == 1)
            TOp.Invoke(*a, new ReadOnlySpan<float>(b, n), d);
        else
            for (var i = 0; i < n; i++)
                o[i] = TOp.Invoke(a[(long)i * sa], b[(long)i * sb]);
    }

    /// <summary>
    /// Splits the iteration space across threads: by rows when there are several, otherwise by columns of the
    /// single row. The body gets [rowStart, rowEnd) and the column range [colStart, colEnd) of each row.
    /// </summary>
    internal static void ForRows(StridedLayout layout, Action<int, int, int, int> body)
    {
        var total = (long)layout.Rows * layout.Inner;
        if (total == 0)
            return;
        if (total < ParallelThreshold || WorkerPool.Threads == 1)
        {
            body(0, layout.Rows, 0, layout.Inner);
            return;
        }
        if (layout.Rows >= WorkerPool.Threads * 4 || layout.Rows * 2 > WorkerPool.Threads && layout.Inner < ParallelThreshold)
        {
            var minRows = Math.Max(1, ParallelThreshold / 4 / Math.Max(1, layout.Inner));
            WorkerPool.For(layout.Rows, minRows, (s, e) => body(s, e, 0, layout.Inner));
            return;
        }
        // Few long rows: split each row's columns (aligned to 16 floats).
        var rows = layout.Rows;
        var inner = layout.Inner;
        var parts = WorkerPool.Threads;
        for (var r = 0; r < rows; r++)
        {
            var row = r;
            WorkerPool.Run(parts, p =>
            {
                var s = (int)((long)inner * p / parts) & ~15;
                var e = p == parts - 1 ? inner : (int)((long)inner * (p + 1) / parts) & ~15;
                if (e > s)
                    body(row, row + 1, s, e);
            });
        }
    }
}
