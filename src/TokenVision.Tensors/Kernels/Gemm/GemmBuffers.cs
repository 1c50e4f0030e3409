using System.Runtime.InteropServices;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Per-thread, 64-byte aligned packing buffers. They grow to the largest size a thread has asked for and are
/// kept for the thread's lifetime (the pool's workers live as long as the process), so steady-state calls do not
/// allocate.
/// </summary>
internal static unsafe class GemmBuffers
{
    // Slack after each buffer so packing may write a whole vector past the last element.
    private const int SlackFloats = 64;

    [ThreadStatic]
    private static float* t_a;

    [ThreadStatic]
    private static nint t_aLength;

    [ThreadStatic]
    private static float* t_b;

    [ThreadStatic]
    private static nint t_bLength;

    /// <summary>This thread's buffer for packed A, at least <paramref name="length"/> floats.</summary>
    public static float* A(nint length) => Get(ref t_a, ref t_aLength, length);

    /// <summary>This thread's buffer for packed B, at least <paramref name="length"/> floats.</summary>
    public static float* B(nint length) => Get(ref t_b, ref t_bLength, length);

    private static float* Get(ref float* buffer, ref nint current, nint length)
    {
        if (current < length)
        {
            NativeMemory.AlignedFree(buffer);
            buffer = null;
            current = 0;
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)((length + SlackFloats) * sizeof(float)), 64);
            current = length;
        }
        return buffer;
    }
}
