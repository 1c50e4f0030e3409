using TokenVision.Tensors.Threading;

namespace TokenVision.Tensors.Kernels.Elementwise;

/// <summary>Copies elements between two strided layouts of the same shape (any element type).</summary>
internal static unsafe class StridedCopy
{
    private const int ParallelThreshold = 1 << 16;

    public static void Run<T>(T* dst, int[] dstStrides, T* src, int[] srcStrides, int[] shape) where T : unmanaged
    {
        var layout = new StridedLayout(shape, dstStrides, srcStrides);
        var inner = layout.Inner;
        var ds = layout.InnerStride(0);
        var ss = layout.InnerStride(1);
        var total = (long)layout.Rows * inner;
        if (total == 0)
            return;
        if (layout.Rows == 1)
        {
            // One flat run: split it by elements.
            var chunk = total > ParallelThreshold ? ParallelThreshold / 4 : inner;
            var d0 = (nint)dst;
            var s0 = (nint)src;
            WorkerPool.For(inner, chunk, (start, end) => Row((T*)d0 + (long)start * ds, ds, (T*)s0 + (long)start * ss, ss, end - start));
            return;
        }
        var dp = (nint)dst;
        var sp = (nint)src;
        var minRows = Math.Max(1, ParallelThreshold / Math.Max(inner, 1));
        WorkerPool.For(layout.Rows, total > ParallelThreshold ? minRows : layout.Rows, (start, end) =>
        {
            Span<int> index = stackalloc int[layout.Shape.Length];
            Span<int> offsets = stackalloc int[2];
            layout.StartRow(start, index, offsets);
            for (var r = start; r < end; r++)
            {
                Row((T*)dp + offsets[0], ds, (T*)sp + offsets[1], ss, inner);
                layout.NextRow(index, offsets);
            }
        });
    }

    private static void Row<T>(T* dst, int ds, T* src, int ss, int n) where T : unmanaged
    {
        if (ds == 1 && ss == 1)
        {
            new ReadOnlySpan<T>(src, n).CopyTo(new Span<T>(dst, n));
            return;
        }
        if (ss == 0)
        {
            var v = *src;
            if (ds == 1)
            {
                new Span<T>(dst, n).Fill(v);
                return;
            }
            for (var i = 0; i < n; i++)
                dst[(long)i * ds] = v;
            return;
        }
        for (var i = 0; i < n; i++)
            dst[(long)i * ds] = src[(long)i * ss];
    }
}
