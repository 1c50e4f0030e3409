using System.Runtime.InteropServices;

namespace TokenVision.Tensors.Kernels.Depthwise;

/// <summary>
/// Per-thread, 64-byte aligned scratch for the depthwise kernels (stride phases of an input plane, accumulator
/// rows). It grows to the largest size a thread has asked for and is freed by a finalizer after the thread ends.
/// </summary>
internal static unsafe class DepthwiseScratch
{
    [ThreadStatic]
    private static Buffer? t_buffer;

    /// <summary>This thread's scratch, at least <paramref name="length"/> floats (contents undefined).</summary>
    public static float* Get(long length) => (t_buffer ??= new Buffer()).Get(length);

    private sealed class Buffer
    {
        private float* _data;
        private long _length;

        ~Buffer() => NativeMemory.AlignedFree(_data);

        public float* Get(long length)
        {
            if (_length < length)
            {
                NativeMemory.AlignedFree(_data);
                _data = null;
                _length = 0;
                _data = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, length) * sizeof(float)), 64);
                _length = length;
            }
            return _data;
        }
    }
}
