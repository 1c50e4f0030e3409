namespace TokenVision.Tensors.Kernels.Conv;

/// <summary>
/// Sizes of an N-d convolution or pooling window (1 to 3 spatial dimensions, padded to 3 with size-1 dims):
/// input and output extents, kernel, stride, dilation and padding before/after each dimension.
/// </summary>
internal sealed class ConvGeometry
{
    public readonly int Dims;
    public readonly int[] In = [1, 1, 1];
    public readonly int[] Out = [1, 1, 1];
    public readonly int[] Kernel = [1, 1, 1];
    public readonly int[] Stride = [1, 1, 1];
    public readonly int[] Dilation = [1, 1, 1];
    public readonly int[] PadBefore = [0, 0, 0];
    public readonly int[] PadAfter = [0, 0, 0];

    public ConvGeometry(ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, ReadOnlySpan<int> stride,
        ReadOnlySpan<int> dilation, ReadOnlySpan<int> padBefore, ReadOnlySpan<int> padAfter, bool ceilMode = false, string op = "conv")
    {
        Dims = input.Length;
        var o = 3 - Dims;
        for (var d = 0; d < Dims; d++)
        {
            In[o + d] = input[d];
            Kernel[o + d] = kernel[d];
            Stride[o + d] = stride[d];
            Dilation[o + d] = dilation[d];
            PadBefore[o + d] = padBefore[d];
            PadAfter[o + d] = padAfter[d];
            if (kernel[d] <= 0 || stride[d] <= 0 || dilation[d] <= 0 || padBefore[d] < 0 || padAfter[d] < 0)
                throw new ArgumentException($"{op}: kernel, stride and dilation must be positive and padding non-negative (dimension {d}: kernel {kernel[d]}, stride {stride[d]}, dilation {dilation[d]}, padding {padBefore[d]}/{padAfter[d]})");
            var span = input[d] + padBefore[d] + padAfter[d] - dilation[d] * (kernel[d] - 1) - 1;
            if (span < 0)
                throw new ArgumentException($"{op}: kernel {kernel[d]} (dilation {dilation[d]}) is larger than the padded input {input[d] + padBefore[d] + padAfter[d]} in spatial dimension {d}");
            var outSize = ceilMode ? (span + stride[d] - 1) / stride[d] + 1 : span / stride[d] + 1;
            // PyTorch: with ceil_mode the last window must start inside the input or left padding.
            if (ceilMode && (outSize - 1) * stride[d] >= input[d] + padBefore[d])
                outSize--;
            Out[o + d] = outSize;
        }
    }

    public int InSize => In[0] * In[1] * In[2];

    public int OutSize => Out[0] * Out[1] * Out[2];

    public int KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    public int[] OutShape => Out[(3 - Dims)..];
}
