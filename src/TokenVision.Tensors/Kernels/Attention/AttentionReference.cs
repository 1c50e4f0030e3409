namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// Naive scaled-dot-product attention, forward and backward, in double precision with the full score matrix of one
/// row at a time: the reference the tiled kernels are tested against. Same operands and semantics as
/// <see cref="FusedAttention"/>; O(Nq·Nk·(d + dv)) time, single-threaded.
/// </summary>
internal static unsafe class AttentionReference
{
    /// <summary>Forward pass: O and (when not null) L, exactly as <see cref="FusedAttention.Forward"/> defines them.</summary>
    /// <param name="problem">Q, K, V, sizes, scale, bias, mask and causal flag.</param>
    /// <param name="output">O [B, H, Nq, dv].</param>
    /// <param name="logSumExp">L [B, H, Nq], dense, or null.</param>
    public static void Forward(in AttentionProblem problem, AttentionOperand output, float* logSumExp)
    {
        var p = problem;
        p.Validate();
        var probs = new double[p.KeyLength];
        for (var b = 0; b < p.Batch; b++)
        {
            for (var h = 0; h < p.Heads; h++)
            {
                for (var i = 0; i < p.QueryLength; i++)
                {
                    var lse = Softmax(p, b, h, i, probs);
                    var o = output.Matrix(b, h) + i * output.RowStride;
                    var v = p.Value.Matrix(b, h);
                    for (var c = 0; c < p.ValueDim; c++)
                    {
                        var sum = 0.0;
                        for (var j = 0; j < p.KeyLength; j++)
                            sum += probs[j] * v[j * p.Value.RowStride + c];
                        o[c] = (float)sum;
                    }
                    if (logSumExp != null)
                        logSumExp[((long)b * p.Heads + h) * p.QueryLength + i] = (float)lse;
                }
            }
        }
    }

    /// <summary>
    /// Backward pass from the exact softmax (it does not read O or L): dQ, dK, dV and, when present, dBias summed over
    /// the dimensions where <paramref name="biasGrad"/> has stride 0.
    /// </summary>
    /// <param name="problem">The forward problem.</param>
    /// <param name="outputGrad">dO [B, H, Nq, dv].</param>
    /// <param name="queryGrad">dQ [B, H, Nq, d].</param>
    /// <param name="keyGrad">dK [B, H, Nk, d].</param>
    /// <param name="valueGrad">dV [B, H, Nk, dv].</param>
    /// <param name="biasGrad">dBias with its broadcast strides, or absent.</param>
    public static void Backward(in AttentionProblem problem, AttentionOperand outputGrad,
        AttentionOperand queryGrad, AttentionOperand keyGrad, AttentionOperand valueGrad, ScoreTerm<float> biasGrad)
    {
        var p = problem;
        p.Validate();
        int nq = p.QueryLength, nk = p.KeyLength, d = p.HeadDim, dv = p.ValueDim;
        var scale = (double)p.EffectiveScale;
        var probs = new double[nk];
        var dp = new double[nk];
        var dBias = new Dictionary<long, double>();
        for (var b = 0; b < p.Batch; b++)
        {
            for (var h = 0; h < p.Heads; h++)
            {
                var q = p.Query.Matrix(b, h);
                var k = p.Key.Matrix(b, h);
                var v = p.Value.Matrix(b, h);
                var go = outputGrad.Matrix(b, h);
                var dqAll = new double[nq * d];
                var dkAll = new double[nk * d];
                var dvAll = new double[nk * dv];
                for (var i = 0; i < nq; i++)
                {
                    Softmax(p, b, h, i, probs);
                    var goRow = go + i * outputGrad.RowStride;
                    // dP_ij = dO_i · V_j;  D_i = Σ_j P_ij dP_ij (= dO_i · O_i);  dS = P ∘ (dP − D).
                    var rowDot = 0.0;
                    for (var j = 0; j < nk; j++)
                    {
                        var s = 0.0;
                        for (var c = 0; c < dv; c++)
                            s += (double)goRow[c] * v[j * p.Value.RowStride + c];
                        dp[j] = s;
                        rowDot += probs[j] * s;
                    }
                    for (var j = 0; j < nk; j++)
                    {
                        var pj = probs[j];
                        var ds = pj * (dp[j] - rowDot);
                        for (var c = 0; c < dv; c++)
                            dvAll[j * dv + c] += pj * goRow[c];
                        for (var c = 0; c < d; c++)
                        {
                            dqAll[i * d + c] += ds * scale * k[j * p.Key.RowStride + c];
                            dkAll[j * d + c] += ds * scale * q[i * p.Query.RowStride + c];
                        }
                        if (biasGrad.IsPresent)
                        {
                            var offset = biasGrad.BatchIndex(b) * biasGrad.BatchStride + biasGrad.HeadIndex(h) * biasGrad.HeadStride
                                + i * biasGrad.QueryStride + j * biasGrad.KeyStride;
                            dBias[offset] = dBias.GetValueOrDefault(offset) + ds;
                        }
                    }
                }
                Write(queryGrad.Matrix(b, h), queryGrad.RowStride, dqAll, nq, d);
                Write(keyGrad.Matrix(b, h), keyGrad.RowStride, dkAll, nk, d);
                Write(valueGrad.Matrix(b, h), valueGrad.RowStride, dvAll, nk, dv);
            }
        }
        foreach (var (offset, value) in dBias)
            biasGrad.Data[offset] = (float)value;
    }

    /// <summary>Fills <paramref name="probs"/> with softmax row i of (b, h); returns its log-sum-exp (+∞ when fully masked).</summary>
    private static double Softmax(in AttentionProblem p, int b, int h, int i, double[] probs)
    {
        var q = p.Query.Matrix(b, h) + i * p.Query.RowStride;
        var k = p.Key.Matrix(b, h);
        var scale = (double)p.EffectiveScale;
        var max = double.NegativeInfinity;
        for (var j = 0; j < p.KeyLength; j++)
        {
            double s;
            if (p.Causal && j > i)
                s = double.NegativeInfinity;
            else if (p.Mask.IsPresent && p.Mask.Plane(b, h)[i * p.Mask.QueryStride + j * p.Mask.KeyStride] == 0)
                s = double.NegativeInfinity;
            else
            {
                s = 0.0;
                for (var c = 0; c < p.HeadDim; c++)
                    s += (double)q[c] * k[j * p.Key.RowStride + c];
                s *= scale;
                if (p.Bias.IsPresent)
                    s += p.Bias.Plane(b, h)[i * p.Bias.QueryStride + j * p.Bias.KeyStride];
            }
            probs[j] = s;
            max = Math.Max(max, s);
        }
        if (double.IsNegativeInfinity(max))
        {
            Array.Clear(probs, 0, p.KeyLength);
            return double.PositiveInfinity;
        }
        var sum = 0.0;
        for (var j = 0; j < p.KeyLength; j++)
        {
            probs[j] = Math.Exp(probs[j] - max);
            sum += probs[j];
        }
        for (var j = 0; j < p.KeyLength; j++)
            probs[j] /= sum;
        return max + Math.Log(sum);
    }

    private static void Write(float* dst, long rowStride, double[] src, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
                dst[r * rowStride + c] = (float)src[r * cols + c];
        }
    }
}
