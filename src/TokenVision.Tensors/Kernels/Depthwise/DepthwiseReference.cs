namespace TokenVision.Tensors.Kernels.Depthwise;

/// <summary>
/// Scalar reference for <see cref="DepthwiseConv"/>: each element from its definition, with the same chain of
/// fused multiply-adds, so the two agree bit for bit.
/// </summary>
internal static unsafe class DepthwiseReference
{
    /// <summary>y[n, oc, o] = Σ_taps w[oc, tap] · x[n, oc / M, o·s − p + tap·dil] (+ bias[oc]), padding read as zeros.</summary>
    public static void Forward(in DepthwiseShape s, float* x, float* w, float* bias, float* y)
    {
        for (var n = 0; n < s.Batch; n++)
        for (var oc = 0; oc < s.OutChannels; oc++)
        {
            var plane = x + ((long)n * s.Channels + oc / s.Multiplier) * s.InSize;
            var wp = w + (long)oc * s.KernelSize;
            var yp = y + ((long)n * s.OutChannels + oc) * s.OutSize;
            for (var zd = 0; zd < s.Od; zd++)
            for (var zh = 0; zh < s.Oh; zh++)
            for (var zw = 0; zw < s.Ow; zw++)
            {
                var acc = 0f;
                for (var kd = 0; kd < s.Kd; kd++)
                for (var kh = 0; kh < s.Kh; kh++)
                for (var kw = 0; kw < s.Kw; kw++)
                {
                    var d = zd * s.Sd - s.Pd + kd * s.Dd;
                    var h = zh * s.Sh - s.Ph + kh * s.Dh;
                    var i = zw * s.Sw - s.Pw + kw * s.Dw;
                    var inside = (uint)d < (uint)s.Id && (uint)h < (uint)s.Ih && (uint)i < (uint)s.Iw;
                    acc = MathF.FusedMultiplyAdd(wp[(kd * s.Kh + kh) * s.Kw + kw], inside ? plane[((long)d * s.Ih + h) * s.Iw + i] : 0f, acc);
                }
                if (bias != null)
                    acc += bias[oc];
                yp[((long)zd * s.Oh + zh) * s.Ow + zw] = acc;
            }
        }
    }

    /// <summary>gx[n, c, i] = Σ_{m, taps} w[c·M + m, tap] · gy[n, c·M + m, o] over the outputs o whose window puts the tap on i.</summary>
    public static void BackwardInput(in DepthwiseShape s, float* gy, float* w, float* gx)
    {
        for (var n = 0; n < s.Batch; n++)
        for (var c = 0; c < s.Channels; c++)
        {
            var gxp = gx + ((long)n * s.Channels + c) * s.InSize;
            for (var d = 0; d < s.Id; d++)
            for (var h = 0; h < s.Ih; h++)
            for (var i = 0; i < s.Iw; i++)
            {
                var acc = 0f;
                for (var mi = 0; mi < s.Multiplier; mi++)
                {
                    var oc = c * s.Multiplier + mi;
                    var gyp = gy + ((long)n * s.OutChannels + oc) * s.OutSize;
                    for (var kd = 0; kd < s.Kd; kd++)
                    for (var kh = 0; kh < s.Kh; kh++)
                    for (var kw = 0; kw < s.Kw; kw++)
                    {
                        var zd = Source(d + s.Pd - kd * s.Dd, s.Sd, s.Od);
                        var zh = Source(h + s.Ph - kh * s.Dh, s.Sh, s.Oh);
                        var zw = Source(i + s.Pw - kw * s.Dw, s.Sw, s.Ow);
                        if (zd >= 0 && zh >= 0 && zw >= 0)
                            acc = MathF.FusedMultiplyAdd(w[(long)oc * s.KernelSize + (kd * s.Kh + kh) * s.Kw + kw],
                                gyp[((long)zd * s.Oh + zh) * s.Ow + zw], acc);
                    }
                }
                gxp[((long)d * s.Ih + h) * s.Iw + i] = acc;
            }
        }
    }

    /// <summary>
    /// gw[oc, tap] = Σ_ow (Σ_{n, od, oh} gy · x): one running sum per output column over samples and rows, then
    /// the columns in order.
    /// </summary>
    public static void BackwardWeight(in DepthwiseShape s, float* x, float* gy, float* gw)
    {
        for (var oc = 0; oc < s.OutChannels; oc++)
        for (var kd = 0; kd < s.Kd; kd++)
        for (var kh = 0; kh < s.Kh; kh++)
        for (var kw = 0; kw < s.Kw; kw++)
        {
            var total = 0f;
            for (var zw = 0; zw < s.Ow; zw++)
            {
                var column = 0f;
                for (var n = 0; n < s.Batch; n++)
                {
                    var plane = x + ((long)n * s.Channels + oc / s.Multiplier) * s.InSize;
                    var gyp = gy + ((long)n * s.OutChannels + oc) * s.OutSize;
                    for (var zd = 0; zd < s.Od; zd++)
                    for (var zh = 0; zh < s.Oh; zh++)
                    {
                        var d = zd * s.Sd - s.Pd + kd * s.Dd;
                        var h = zh * s.Sh - s.Ph + kh * s.Dh;
                        var i = zw * s.Sw - s.Pw + kw * s.Dw;
                        if ((uint)d < (uint)s.Id && (uint)h < (uint)s.Ih && (uint)i < (uint)s.Iw)
                            column = MathF.FusedMultiplyAdd(gyp[((long)zd * s.Oh + zh) * s.Ow + zw], plane[((long)d * s.Ih + h) * s.Iw + i], column);
                    }
                }
                total += column;
            }
            gw[(long)oc * s.KernelSize + (kd * s.Kh + kh) * s.Kw + kw] = total;
        }
    }

    private static int Source(int t, int stride, int outSize)
    {
        if (t < 0 || t % stride != 0)
            return -1;
        var o = t / stride;
        return o < outSize ? o : -1;
    }
}
