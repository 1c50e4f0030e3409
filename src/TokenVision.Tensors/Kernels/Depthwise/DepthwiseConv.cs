using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TokenVision.Tensors.Kernels.Fused;

namespace TokenVision.Tensors.Kernels.Depthwise;

/// <summary>
/// Direct depthwise convolution (groups = input channels) over 1 to 3 spatial dimensions, forward and both
/// gradients, vectorised along the contiguous output width. A stride along the width is handled by splitting
/// each input row into its stride phases (<c>phase[r][j] = row[j·sw + r]</c>), so every tap reads a contiguous run.
/// </summary>
/// <remarks>
/// Every output element is a chain of fused multiply-adds in a fixed order — taps (kd, kh, kw) in order for the
/// output and the input gradient (after the output channels of the input channel, for the input gradient); for
/// the weight gradient one running sum per output column over (sample, od, oh), then the columns summed in
/// order — so the bits do not depend on the vector width or the thread count; <see cref="DepthwiseReference"/>
/// computes the same chains element by element. Planes (sample, channel), or channels for the weight gradient,
/// are split across threads.
/// </remarks>
internal static unsafe class DepthwiseConv
{
    /// <summary><c>y = conv(x, w) (+ bias)</c>: x [N, C, Id, Ih, Iw], w [C·M, K], bias [C·M] or null, y [N, C·M, Od, Oh, Ow].</summary>
    public static void Forward(IsaLevel isa, in DepthwiseShape s, float* x, float* w, float* bias, float* y, int threads = 0)
    {
        var job = new Job { Shape = s, Isa = isa, X = x, W = w, Bias = bias, Y = y };
        RowParallel.Run(s.Batch * s.OutChannels, (long)s.OutSize * s.KernelSize, threads, &ForwardPlanes, &job);
    }

    /// <summary>Input gradient <c>gx = convᵀ(gy, w)</c> (written, not accumulated).</summary>
    public static void BackwardInput(IsaLevel isa, in DepthwiseShape s, float* gy, float* w, float* gx, int threads = 0)
    {
        var job = new Job { Shape = s, Isa = isa, GY = gy, W = w, GX = gx };
        RowParallel.Run(s.Batch * s.Channels, (long)s.OutSize * s.KernelSize * s.Multiplier, threads, &BackwardInputPlanes, &job);
    }

    /// <summary>Weight gradient <c>gw[oc, tap] = Σ gy · x</c> over samples and positions (written, not accumulated).</summary>
    public static void BackwardWeight(IsaLevel isa, in DepthwiseShape s, float* x, float* gy, float* gw, int threads = 0)
    {
        var job = new Job { Shape = s, Isa = isa, X = x, GY = gy, GW = gw };
        RowParallel.Run(s.OutChannels, (long)s.Batch * s.OutSize * s.KernelSize, threads, &BackwardWeightChannels, &job);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlanes(void* state, int p0, int p1)
    {
        var job = (Job*)state;
        var s = job->Shape;
        var isa = job->Isa;
        // Scratch: the plane's rows padded in width and split into stride phases, one zero row standing for every
        // row of the padding in depth and height, and a padded row being assembled.
        var rowStride = (long)s.Sw * s.PaddedPhaseLength;
        var scratch = DepthwiseScratch.Get(((long)s.Id * s.Ih + 2) * rowStride);
        var zeroRow = scratch + (long)s.Id * s.Ih * rowStride;
        var padded = zeroRow + rowStride;
        new Span<float>(zeroRow, (int)rowStride).Clear();
        // Where width tap kw starts, relative to the output column, in a phase-split padded row.
        var tapOffset = stackalloc long[s.Kw];
        for (var kw = 0; kw < s.Kw; kw++)
            tapOffset[kw] = (long)(kw * s.Dw % s.Sw) * s.PaddedPhaseLength + kw * s.Dw / s.Sw;
        var rows = stackalloc nint[s.Kd * s.Kh];
        for (var p = p0; p < p1; p++)
        {
            var n = p / s.OutChannels;
            var oc = p % s.OutChannels;
            var c = oc / s.Multiplier;
            if (p == p0 || oc % s.Multiplier == 0)
                PadPlane(isa, s, job->X + ((long)n * s.Channels + c) * s.InSize, scratch, padded);
            var window = new Window((float**)rows, job->W + (long)oc * s.KernelSize, s.Kd * s.Kh, tapOffset, s.Kw,
                job->Bias != null, job->Bias != null ? job->Bias[oc] : 0f);
            var yp = job->Y + (long)p * s.OutSize;
            for (var zd = 0; zd < s.Od; zd++)
            {
                for (var zh = 0; zh < s.Oh; zh++)
                {
                    // The input rows under this output row's window, in tap order (padding rows read as zeros).
                    var t = 0;
                    for (var kd = 0; kd < s.Kd; kd++)
                    {
                        var d = zd * s.Sd - s.Pd + kd * s.Dd;
                        for (var kh = 0; kh < s.Kh; kh++, t++)
                        {
                            var h = zh * s.Sh - s.Ph + kh * s.Dh;
                            rows[t] = (uint)d < (uint)s.Id && (uint)h < (uint)s.Ih
                                ? (nint)(scratch + ((long)d * s.Ih + h) * rowStride)
                                : (nint)zeroRow;
                        }
                    }
                    var outRow = yp + ((long)zd * s.Oh + zh) * s.Ow;
                    var zw = 0;
                    if (isa >= IsaLevel.Avx512)
                    {
                        for (; zw + 16 <= s.Ow; zw += 16)
                            Vector512.Store(Columns512(window, zw, Vector512<float>.AllBitsSet), outRow + zw);
                        if (zw < s.Ow)
                        {
                            var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(s.Ow - zw)).AsSingle();
                            Avx512F.MaskStore(outRow + zw, mask, Columns512(window, zw, mask));
                            zw = s.Ow;
                        }
                    }
                    if (isa >= IsaLevel.Avx2)
                    {
                        for (; zw + 8 <= s.Ow; zw += 8)
                            Vector256.Store(Columns256(window, zw), outRow + zw);
                    }
                    if (isa >= IsaLevel.Vector128)
                    {
                        for (; zw + 4 <= s.Ow; zw += 4)
                            Vector128.Store(Columns128(window, zw), outRow + zw);
                    }
                    for (; zw < s.Ow; zw++)
                        outRow[zw] = Column(window, zw);
                }
            }
        }
    }

    /// <summary>
    /// Copies an input plane into <paramref name="scratch"/> as rows padded in width (zeros before and after) and
    /// split into stride phases.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PadPlane(IsaLevel isa, in DepthwiseShape s, float* plane, float* scratch, float* padded)
    {
        var j = s.PaddedPhaseLength;
        var rowStride = (long)s.Sw * j;
        var rows = s.Id * s.Ih;
        var stride = s.Sw;
        if (stride == 1)
        {
            for (var i = 0; i < rows; i++)
            {
                var dst = scratch + i * rowStride;
                new Span<float>(dst, s.Pw).Clear();
                new ReadOnlySpan<float>(plane + (long)i * s.Iw, s.Iw).CopyTo(new Span<float>(dst + s.Pw, s.Iw));
                new Span<float>(dst + s.Pw + s.Iw, s.PaddedWidth - s.Pw - s.Iw).Clear();
            }
            return;
        }
        // Assemble the padded row (with zeros up to a whole number of phases), then gather each phase.
        new Span<float>(padded, (int)rowStride).Clear();
        for (var i = 0; i < rows; i++)
        {
            new ReadOnlySpan<float>(plane + (long)i * s.Iw, s.Iw).CopyTo(new Span<float>(padded + s.Pw, s.Iw));
            var dst = scratch + i * rowStride;
            for (var r = 0; r < stride; r++)
            {
                var phase = dst + (long)r * j;
                var q = 0;
                if (isa >= IsaLevel.Avx2)
                {
                    var index = Vector256<int>.Indices * stride;
                    for (; q + 8 <= j; q += 8)
                        Vector256.Store(Avx2.GatherVector256(padded + (long)q * stride + r, index, 4), phase + q);
                }
                for (; q < j; q++)
                    phase[q] = padded[(long)q * stride + r];
            }
        }
    }

    // One output column: every tap in order (padding reads as zero), then the bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Column(in Window window, int zw)
    {
        var acc = 0f;
        var weights = window.Weights;
        for (var t = 0; t < window.Rows; t++, weights += window.Kw)
        {
            var row = window.Row[t] + zw;
            for (var kw = 0; kw < window.Kw; kw++)
                acc = MathF.FusedMultiplyAdd(weights[kw], row[window.TapOffset[kw]], acc);
        }
        return window.HasBias ? acc + window.Bias : acc;
    }

    // Sixteen output columns (lanes outside the mask are not read).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Columns512(in Window window, int zw, Vector512<float> mask)
    {
        var acc = Vector512<float>.Zero;
        var weights = window.Weights;
        for (var t = 0; t < window.Rows; t++, weights += window.Kw)
        {
            var row = window.Row[t] + zw;
            for (var kw = 0; kw < window.Kw; kw++)
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(weights[kw]), Avx512F.MaskLoad(row + window.TapOffset[kw], mask, Vector512<float>.Zero), acc);
        }
        return window.HasBias ? acc + Vector512.Create(window.Bias) : acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Columns256(in Window window, int zw)
    {
        var acc = Vector256<float>.Zero;
        var weights = window.Weights;
        for (var t = 0; t < window.Rows; t++, weights += window.Kw)
        {
            var row = window.Row[t] + zw;
            for (var kw = 0; kw < window.Kw; kw++)
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(weights[kw]), Vector256.Load(row + window.TapOffset[kw]), acc);
        }
        return window.HasBias ? acc + Vector256.Create(window.Bias) : acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Columns128(in Window window, int zw)
    {
        var acc = Vector128<float>.Zero;
        var weights = window.Weights;
        for (var t = 0; t < window.Rows; t++, weights += window.Kw)
        {
            var row = window.Row[t] + zw;
            for (var kw = 0; kw < window.Kw; kw++)
                acc = Vector128.FusedMultiplyAdd(Vector128.Create(weights[kw]), Vector128.Load(row + window.TapOffset[kw]), acc);
        }
        return window.HasBias ? acc + Vector128.Create(window.Bias) : acc;
    }

    /// <summary>The input rows under one output row (in tap order) and the filter.</summary>
    private readonly struct Window
    {
        public Window(float** row, float* weights, int rows, long* tapOffset, int kw, bool hasBias, float bias)
        {
            Row = row;
            Weights = weights;
            Rows = rows;
            TapOffset = tapOffset;
            Kw = kw;
            HasBias = hasBias;
            Bias = bias;
        }

        public float** Row { get; }
        public float* Weights { get; }
        public int Rows { get; }
        public long* TapOffset { get; }
        public int Kw { get; }
        public bool HasBias { get; }
        public float Bias { get; }
    }

    private static void BackwardInputPlanes(void* state, int p0, int p1)
    {
        var job = (Job*)state;
        var s = job->Shape;
        var isa = job->Isa;
        var j = s.PhaseLength;
        var phases = s.Sw > 1 ? DepthwiseScratch.Get((long)s.Sw * j) : null;
        for (var p = p0; p < p1; p++)
        {
            var n = p / s.Channels;
            var c = p % s.Channels;
            var gxp = job->GX + (long)p * s.InSize;
            for (var d = 0; d < s.Id; d++)
            {
                for (var h = 0; h < s.Ih; h++)
                {
                    var dxRow = gxp + ((long)d * s.Ih + h) * s.Iw;
                    // With a stride the gradient of each phase is contiguous in the output columns.
                    var acc = s.Sw > 1 ? phases : dxRow;
                    new Span<float>(acc, s.Sw > 1 ? s.Sw * j : s.Iw).Clear();
                    for (var mi = 0; mi < s.Multiplier; mi++)
                    {
                        var oc = c * s.Multiplier + mi;
                        var gyp = job->GY + ((long)n * s.OutChannels + oc) * s.OutSize;
                        var wp = job->W + (long)oc * s.KernelSize;
                        for (var kd = 0; kd < s.Kd; kd++)
                        {
                            var zd = Source(d + s.Pd - kd * s.Dd, s.Sd, s.Od);
                            if (zd < 0)
                                continue;
                            for (var kh = 0; kh < s.Kh; kh++)
                            {
                                var zh = Source(h + s.Ph - kh * s.Dh, s.Sh, s.Oh);
                                if (zh < 0)
                                    continue;
                                var dyRow = gyp + ((long)zd * s.Oh + zh) * s.Ow;
                                var taps = wp + (kd * s.Kh + kh) * s.Kw;
                                for (var kw = 0; kw < s.Kw; kw++)
                                {
                                    // Input column j·sw + r receives output column j + t of this tap.
                                    var u = s.Pw - kw * s.Dw;
                                    var r = PositiveMod(-u, s.Sw);
                                    var t = (r + u) / s.Sw;
                                    var count = r < s.Iw ? (s.Iw - r + s.Sw - 1) / s.Sw : 0;
                                    var jlo = Math.Max(0, -t);
                                    var jhi = Math.Min(count, s.Ow - t);
                                    if (jlo < jhi)
                                        DepthwiseRows.Axpy(isa, acc + (long)r * j + jlo, dyRow + jlo + t, taps[kw], jhi - jlo);
                                }
                            }
                        }
                    }
                    if (s.Sw > 1)
                    {
                        for (var r = 0; r < s.Sw; r++)
                        {
                            var phase = phases + (long)r * j;
                            for (var q = 0; q * s.Sw + r < s.Iw; q++)
                                dxRow[q * s.Sw + r] = phase[q];
                        }
                    }
                }
            }
        }
    }

    private static void BackwardWeightChannels(void* state, int c0, int c1)
    {
        var job = (Job*)state;
        var s = job->Shape;
        var isa = job->Isa;
        var k = s.KernelSize;
        var acc = DepthwiseScratch.Get((long)k * s.Ow + (s.Sw > 1 ? (long)s.Id * s.Ih * s.Sw * s.PhaseLength : 0));
        var phases = s.Sw > 1 ? acc + (long)k * s.Ow : null;
        for (var oc = c0; oc < c1; oc++)
        {
            var c = oc / s.Multiplier;
            new Span<float>(acc, k * s.Ow).Clear();
            for (var n = 0; n < s.Batch; n++)
            {
                var plane = job->X + ((long)n * s.Channels + c) * s.InSize;
                var src = Phases(isa, s, plane, phases, out var rowStride);
                var gyp = job->GY + ((long)n * s.OutChannels + oc) * s.OutSize;
                for (var zd = 0; zd < s.Od; zd++)
                {
                    for (var zh = 0; zh < s.Oh; zh++)
                    {
                        var dyRow = gyp + ((long)zd * s.Oh + zh) * s.Ow;
                        for (var kd = 0; kd < s.Kd; kd++)
                        {
                            var d = zd * s.Sd - s.Pd + kd * s.Dd;
                            if ((uint)d >= (uint)s.Id)
                                continue;
                            for (var kh = 0; kh < s.Kh; kh++)
                            {
                                var h = zh * s.Sh - s.Ph + kh * s.Dh;
                                if ((uint)h >= (uint)s.Ih)
                                    continue;
                                var row = src + ((long)d * s.Ih + h) * rowStride;
                                var tap = (kd * s.Kh + kh) * s.Kw;
                                for (var kw = 0; kw < s.Kw; kw++)
                                {
                                    var offset = kw * s.Dw - s.Pw;
                                    var (lo, hi) = s.Columns(offset);
                                    if (lo >= hi)
                                        continue;
                                    var q = DepthwiseShape.FloorDiv(offset, s.Sw);
                                    var r = offset - q * s.Sw;
                                    DepthwiseRows.MultiplyAdd(isa, acc + (long)(tap + kw) * s.Ow + lo, dyRow + lo,
                                        row + (long)r * s.PhaseLength + lo + q, hi - lo);
                                }
                            }
                        }
                    }
                }
            }
            var gw = job->GW + (long)oc * k;
            for (var tap = 0; tap < k; tap++)
            {
                var sums = acc + (long)tap * s.Ow;
                var total = 0f;
                for (var zw = 0; zw < s.Ow; zw++)
                    total += sums[zw];
                gw[tap] = total;
            }
        }
    }

    /// <summary>
    /// The plane's rows as the taps read them: the plane itself for stride 1 along the width, else each row split
    /// into its stride phases in <paramref name="scratch"/> (zero-padded to <see cref="DepthwiseShape.PhaseLength"/>).
    /// </summary>
    private static float* Phases(IsaLevel isa, in DepthwiseShape s, float* plane, float* scratch, out long rowStride)
    {
        if (s.Sw == 1)
        {
            rowStride = s.Iw;
            return plane;
        }
        var j = s.PhaseLength;
        rowStride = (long)s.Sw * j;
        var rows = s.Id * s.Ih;
        var stride = s.Sw;
        for (var i = 0; i < rows; i++)
        {
            var src = plane + (long)i * s.Iw;
            var dst = scratch + i * rowStride;
            for (var r = 0; r < stride; r++)
            {
                var phase = dst + (long)r * j;
                var length = r < s.Iw ? (s.Iw - r + stride - 1) / stride : 0;
                var q = 0;
                if (isa >= IsaLevel.Avx2)
                {
                    var index = Vector256<int>.Indices * stride;
                    for (; q + 8 <= length; q += 8)
                        Vector256.Store(Avx2.GatherVector256(src + (long)q * stride + r, index, 4), phase + q);
                }
                for (; q < length; q++)
                    phase[q] = src[(long)q * stride + r];
                for (; q < j; q++)
                    phase[q] = 0f;
            }
        }
        return scratch;
    }

    /// <summary>The output index whose window puts this tap on input index <c>i</c> (i = o·stride + t), or −1.</summary>
    private static int Source(int t, int stride, int outSize)
    {
        if (t < 0 || t % stride != 0)
            return -1;
        var o = t / stride;
        return o < outSize ? o : -1;
    }

    private static int PositiveMod(int a, int b)
    {
        var r = a % b;
        return r < 0 ? r + b : r;
    }

    private struct Job
    {
        public DepthwiseShape Shape;
        public IsaLevel Isa;
        public float* X;
        public float* W;
        public float* Bias;
        public float* Y;
        public float* GY;
        public float* GX;
        public float* GW;
    }
}
