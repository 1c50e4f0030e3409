using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TokenVision.Tensors.Kernels;

/// <summary>Instruction-set level a kernel runs at, from widest to most portable.</summary>
public enum IsaLevel
{
    /// <summary>Plain scalar code: the reference path.</summary>
    Scalar = 0,
    /// <summary>Portable 128-bit vectors (SSE, ARM NEON).</summary>
    Vector128 = 1,
    /// <summary>256-bit AVX2 with fused multiply-add.</summary>
    Avx2 = 2,
    /// <summary>512-bit AVX-512 (F, BW, DQ, VL).</summary>
    Avx512 = 3,
}

/// <summary>
/// Chooses the kernel path at run time. The hardware level is detected once; <see cref="Force"/> lowers it for
/// the calling thread (tests use it to run every path on one machine). Kernels read <see cref="Current"/> on the
/// calling thread and pass the level to the workers they start. The environment variable
/// <c>TOKENVISION_ISA</c> (avx512, avx2, vector128, scalar) caps the level for the whole process.
/// </summary>
public static class Isa
{
    [ThreadStatic]
    private static IsaLevel? t_forced;

    /// <summary>The widest level this CPU supports, capped by <c>TOKENVISION_ISA</c>.</summary>
    public static IsaLevel Hardware { get; } = Detect();

    /// <summary>The level kernels started from this thread use.</summary>
    public static IsaLevel Current => t_forced is { } f && f < Hardware ? f : Hardware;

    /// <summary>Caps the level for the calling thread until the returned scope is disposed.</summary>
    public static Scope Force(IsaLevel level)
    {
        var previous = t_forced;
        t_forced = level;
        return new Scope(previous);
    }

    /// <summary>Restores the previous level when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly IsaLevel? _previous;

        internal Scope(IsaLevel? previous) => _previous = previous;

        /// <summary>Restores the previous level.</summary>
        public void Dispose() => t_forced = _previous;
    }

    private static IsaLevel Detect()
    {
        var level = IsaLevel.Scalar;
        if (Vector128.IsHardwareAccelerated)
            level = IsaLevel.Vector128;
        if (Avx2.IsSupported && Fma.IsSupported)
            level = IsaLevel.Avx2;
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported && Vector512.IsHardwareAccelerated)
            level = IsaLevel.Avx512;
        var cap = Environment.GetEnvironmentVariable("TOKENVISION_ISA")?.Trim().ToLowerInvariant() switch
        {
            "avx512" => IsaLevel.Avx512,
            "avx2" => IsaLevel.Avx2,
            "vector128" or "sse" or "neon" => IsaLevel.Vector128,
            "scalar" => IsaLevel.Scalar,
            _ => level,
        };
        return cap < level ? cap : level;
    }
}
