using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Simd;

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
            case IsaLevel.Avx512: Apply<TOp, Simd512Ops, Vector512<float>>(x, y, n); break;
            case IsaLevel.Avx2: Apply<TOp, Simd256Ops, Vector256<float>>(x, y, n); break;
            case IsaLevel.Vector128: Apply<TOp, Simd128Ops, Vector128<float>>(x, y, n); break;
            default: ApplyScalar<TOp>(x, y, 0, n); break;
        }
    }

    /// <summary>Applies <paramref name="activation"/> in place to <paramref name="n"/> values (None leaves them).</summary>
    public static void Activate(IsaLevel isa, float* x, nint n, ActivationKind activation)
    {
        switch (activation)
        {
            case ActivationKind.Relu: Apply<ReluOp>(isa, x, x, n); break;
            case ActivationKind.GeluErf: Apply<GeluErfOp>(isa, x, x, n); break;
            case ActivationKind.GeluTanh: Apply<GeluTanhOp>(isa, x, x, n); break;
        }
    }

    /// <summary>Vector body at one width (<typeparamref name="TOps"/>), scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOp, TOps, TVec>(float* x, float* y, nint n)
        where TOp : struct, IUnaryOp
        where TOps : struct, ISimdOps<TVec>
        where TVec : unmanaged
    {
        var w = TOps.Count;
        nint i = 0;
        for (; i + w <= n; i += w)
            TOps.Store(y + i, TOps.Apply<TOp>(TOps.Load(x + i)));
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
