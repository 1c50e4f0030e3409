using System.Runtime.Intrinsics;
using TokenVision.Tensors.Kernels.Simd;

namespace TokenVision.Tensors.Kernels.Attention;

/// <summary>
/// Fused scaled-dot-product attention, O = softmax(scale · Q·Kᵀ + bias, masked) · V, forward and backward, in
/// O(N·d) memory (FlashAttention / FlashAttention-2: Dao et al. 2022, Dao 2023). See <see cref="AttentionProblem"/>
/// for the operands and masking semantics, <see cref="AttentionForward{TOps, TVec}"/> and
/// <see cref="AttentionBackward{TOps, TVec}"/> for the algorithms, <see cref="AttentionReference"/> for the naive twin.
/// </summary>
internal static unsafe class FusedAttention
{
    /// <summary>
    /// Forward pass: writes O [B, H, Nq, dv] through <paramref name="output"/>'s strides and, when
    /// <paramref name="logSumExp"/> is not null, the per-row log-sum-exp L [B, H, Nq] (dense) that
    /// <see cref="Backward"/> needs; fully masked rows get O = 0 and L = +∞.
    /// </summary>
    /// <param name="problem">Q, K, V, sizes, scale, bias, mask and causal flag.</param>
    /// <param name="output">O [B, H, Nq, dv]; must not overlap the inputs.</param>
    /// <param name="logSumExp">L [B, H, Nq], dense, or null.</param>
    /// <param name="isa">Instruction-set level (normally <see cref="Isa.Current"/>).</param>
    public static void Forward(in AttentionProblem problem, AttentionOperand output, float* logSumExp, IsaLevel isa)
    {
        problem.Validate();
        if ((long)problem.Batch * problem.Heads * problem.QueryLength == 0)
            return;
        if (output.Data == null)
            throw new ArgumentNullException(nameof(output), "attention: output data is null");
        switch (isa)
        {
            case IsaLevel.Avx512:
                AttentionForward<Simd512Ops, Vector512<float>>.Run(problem, output, logSumExp);
                break;
            case IsaLevel.Avx2:
                AttentionForward<Simd256Ops, Vector256<float>>.Run(problem, output, logSumExp);
                break;
            case IsaLevel.Vector128:
                AttentionForward<Simd128Ops, Vector128<float>>.Run(problem, output, logSumExp);
                break;
            default:
                AttentionForward<ScalarOps, float>.Run(problem, output, logSumExp);
                break;
        }
    }

    /// <summary>
    /// Backward pass from the forward's O and L: overwrites dQ, dK, dV and, when <paramref name="biasGrad"/> is present,
    /// dBias — the bias gradient summed over every dimension where <paramref name="biasGrad"/> has stride 0 (or a batch
    /// period), e.g. over the batch for a relative-position bias [H, Nq, Nk]. Deterministic: no result depends on
    /// timing or on the thread count.
    /// </summary>
    /// <param name="problem">The forward problem (same bias, mask, causal flag and scale).</param>
    /// <param name="output">O from <see cref="Forward"/>.</param>
    /// <param name="outputGrad">dO [B, H, Nq, dv].</param>
    /// <param name="logSumExp">L [B, H, Nq] from <see cref="Forward"/> (dense).</param>
    /// <param name="queryGrad">dQ [B, H, Nq, d].</param>
    /// <param name="keyGrad">dK [B, H, Nk, d].</param>
    /// <param name="valueGrad">dV [B, H, Nk, dv].</param>
    /// <param name="biasGrad">dBias with the broadcast strides of the bias parameter, or <see cref="ScoreTerm{T}.None"/>.</param>
    /// <param name="isa">Instruction-set level (normally <see cref="Isa.Current"/>).</param>
    /// <param name="schedule">Work split (tests force one); the default chooses from the problem alone.</param>
    public static void Backward(in AttentionProblem problem, AttentionOperand output, AttentionOperand outputGrad, float* logSumExp,
        AttentionOperand queryGrad, AttentionOperand keyGrad, AttentionOperand valueGrad, ScoreTerm<float> biasGrad, IsaLevel isa,
        AttentionBackwardSchedule schedule = AttentionBackwardSchedule.Auto)
    {
        problem.Validate();
        if ((long)problem.Batch * problem.Heads == 0)
            return;
        if (problem.QueryLength > 0 && (output.Data == null || outputGrad.Data == null || logSumExp == null || queryGrad.Data == null))
            throw new ArgumentNullException(nameof(output), "attention backward: O, dO, L and dQ are required");
        if (problem.KeyLength > 0 && (keyGrad.Data == null || valueGrad.Data == null))
            throw new ArgumentNullException(nameof(keyGrad), "attention backward: dK and dV are required");
        switch (isa)
        {
            case IsaLevel.Avx512:
                AttentionBackward<Simd512Ops, Vector512<float>>.Run(problem, output, outputGrad, logSumExp, queryGrad, keyGrad, valueGrad, biasGrad, schedule);
                break;
            case IsaLevel.Avx2:
                AttentionBackward<Simd256Ops, Vector256<float>>.Run(problem, output, outputGrad, logSumExp, queryGrad, keyGrad, valueGrad, biasGrad, schedule);
                break;
            case IsaLevel.Vector128:
                AttentionBackward<Simd128Ops, Vector128<float>>.Run(problem, output, outputGrad, logSumExp, queryGrad, keyGrad, valueGrad, biasGrad, schedule);
                break;
            default:
                AttentionBackward<ScalarOps, float>.Run(problem, output, outputGrad, logSumExp, queryGrad, keyGrad, valueGrad, biasGrad, schedule);
                break;
        }
    }
}
