using System.Runtime.InteropServices;

namespace TokenVision.Tensors.Kernels.Gemm;

/// <summary>
/// Per-thread, 64-byte aligned packing buffers. They grow to the largest size a thread has asked for and are
/// kept while the thread lives (the pool's workers live as long as the process), so steady-state calls do not
/// allocate; a thread's buffers are freed by a finalizer after the thread ends.
/// </summary>
internal static unsafe class GemmBuffers
{
    // Slack after each buffer so packing may write a whole vector past the last element.
    private const int SlackFloats = 64;

    [ThreadStatic]
    private static Buffer? t_a;

    [ThreadStatic]
    private static Buffer? t_b;

    /// <summary>This thread's buffer for packed A, at least <paramref name="length"/> floats.</summary>
    public static float* A(nint length) => (t_a ??= new Buffer()).Get(length);

    /// <summary>This thread's buffer for packed B, at least <paramref name="length"/> floats.</summary>
    public static float* B(nint length) => (t_b ??= new Buffer()).Get(length);

    private sealed class Buffer
    {
        private float* _data;
        private nint _length;

        ~Buffer() => NativeMemory.AlignedFree(_data);

        public float* Get(nint length)
        {
            if (_length < length)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                _length = 0;
                _data = (float*)NativeMemory.AlignedAlloc((nuint)((length + SlackFloats) * sizeof(float)), 64);
                _length = length;
            }
            return _data;
        }
    }
}
