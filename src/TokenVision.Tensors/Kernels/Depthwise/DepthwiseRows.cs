using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Depthwise;

/// <summary>
/// The row operations the depthwise convolution is built from. Every element is one fused multiply-add, so the
/// vector widths and the scalar tail give the same bits.
/// </summary>
internal static unsafe class DepthwiseRows
{
    /// <summary><c>y[i] = fma(a, x[i], y[i])</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(IsaLevel isa, float* y, float* x, float a, int n)
    {
        var i = 0;
        if (isa >= IsaLevel.Avx512)
        {
            var va = Vector512.Create(a);
            for (; i + 16 <= n; i += 16)
                Vector512.Store(Vector512.FusedMultiplyAdd(va, Vector512.Load(x + i), Vector512.Load(y + i)), y + i);
        }
        if (isa >= IsaLevel.Avx2)
        {
            var va = Vector256.Create(a);
            for (; i + 8 <= n; i += 8)
                Vector256.Store(Vector256.FusedMultiplyAdd(va, Vector256.Load(x + i), Vector256.Load(y + i)), y + i);
        }
        if (isa >= IsaLevel.Vector128)
        {
            var va = Vector128.Create(a);
            for (; i + 4 <= n; i += 4)
                Vector128.Store(Vector128.FusedMultiplyAdd(va, Vector128.Load(x + i), Vector128.Load(y + i)), y + i);
        }
        for (; i < n; i++)
            y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
    }

    /// <summary><c>y[i] = fma(p[i], q[i], y[i])</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(IsaLevel isa, float* y, float* p, float* q, int n)
    {
        var i = 0;
        if (isa >= IsaLevel.Avx512)
        {
            for (; i + 16 <= n; i += 16)
                Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(p + i), Vector512.Load(q + i), Vector512.Load(y + i)), y + i);
        }
        if (isa >= IsaLevel.Avx2)
        {
            for (; i + 8 <= n; i += 8)
                Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(p + i), Vector256.Load(q + i), Vector256.Load(y + i)), y + i);
        }
        if (isa >= IsaLevel.Vector128)
        {
            for (; i + 4 <= n; i += 4)
                Vector128.Store(Vector128.FusedMultiplyAdd(Vector128.Load(p + i), Vector128.Load(q + i), Vector128.Load(y + i)), y + i);
        }
        for (; i < n; i++)
            y[i] = MathF.FusedMultiplyAdd(p[i], q[i], y[i]);
    }

    /// <summary><c>y[i] += b</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScalar(IsaLevel isa, float* y, float b, int n)
    {
        var i = 0;
        if (isa >= IsaLevel.Avx512)
        {
            var vb = Vector512.Create(b);
            for (; i + 16 <= n; i += 16)
                Vector512.Store(Vector512.Load(y + i) + vb, y + i);
        }
        if (isa >= IsaLevel.Avx2)
        {
            var vb = Vector256.Create(b);
            for (; i + 8 <= n; i += 8)
                Vector256.Store(Vector256.Load(y + i) + vb, y + i);
        }
        if (isa >= IsaLevel.Vector128)
        {
            var vb = Vector128.Create(b);
            for (; i + 4 <= n; i += 4)
                Vector128.Store(Vector128.Load(y + i) + vb, y + i);
        }
        for (; i < n; i++)
            y[i] += b;
    }
}
