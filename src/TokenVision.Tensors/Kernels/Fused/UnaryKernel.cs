using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TokenVision.Tensors.Kernels.Fused;

/// <summary>
/// Applies an <see cref="IUnaryOp"/> over a contiguous run of floats: a vector body at the chosen width and a
/// scalar tail. <c>y</c> may equal <c>x</c>.
/// </summary>
internal static unsafe class UnaryKernel
{
    /// <summary><c>y[i] = op(x[i])</c> at the given instruction-set level.</summary>
    public static void Apply<TOp>(IsaLevel isa, float* x, float* y, nint n)
        where TOp : struct, IUnaryOp
    {
        switch (isa)
        {
            case IsaLevel.Avx512: Apply512<TOp>(x, y, n); break;
            case IsaLevel.Avx2: Apply256<TOp>(x, y, n); break;
            case IsaLevel.Vector128: Apply128<TOp>(x, y, n); break;
            default: ApplyScalar<TOp>(x, y, 0, n); break;
        }
    }

    /// <summary>512-bit body, scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply512<TOp>(float* x, float* y, nint n)
        where TOp : struct, IUnaryOp
    {
        nint i = 0;
        for (; i + 16 <= n; i += 16)
            Vector512.Store(TOp.Invoke(Vector512.Load(x + i)), y + i);
        ApplyScalar<TOp>(x, y, i, n);
    }

    /// <summary>256-bit body, scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply256<TOp>(float* x, float* y, nint n)
        where TOp : struct, IUnaryOp
    {
        nint i = 0;
        for (; i + 8 <= n; i += 8)
            Vector256.Store(TOp.Invoke(Vector256.Load(x + i)), y + i);
        ApplyScalar<TOp>(x, y, i, n);
    }

    /// <summary>128-bit body, scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply128<TOp>(float* x, float* y, nint n)
        where TOp : struct, IUnaryOp
    {
        nint i = 0;
        for (; i + 4 <= n; i += 4)
            Vector128.Store(TOp.Invoke(Vector128.Load(x + i)), y + i);
        ApplyScalar<TOp>(x, y, i, n);
    }

    /// <summary>Scalar reference over [start, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyScalar<TOp>(float* x, float* y, nint start, nint n)
        where TOp : struct, IUnaryOp
    {
        for (var i = start; i < n; i++)
            y[i] = TOp.Invoke(x[i]);
    }
}
