using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>
/// The forward reads V in place when its rows are whole, cache-line aligned vectors and packs it otherwise: both
/// paths give the same bits, and match the reference, at every ISA level.
/// </summary>
public sealed unsafe class AttentionValueLayoutTests
{
    public static TheoryData<IsaLevel> Levels()
    {
        var data = new TheoryData<IsaLevel>();
        foreach (var level in AttentionCases.Levels)
            data.Add(level);
        return data;
    }

    [Theory, MemberData(nameof(Levels))]
    public void AlignedAndUnalignedValues_GiveIdenticalBits(IsaLevel level)
    {
        const int B = 2, H = 3, N = 197, D = 64;
        const int count = B * H * N * D;
        var rng = new Random(41);
        var q = GC.AllocateArray<float>(count, pinned: true);
        var k = GC.AllocateArray<float>(count, pinned: true);
        var v = GC.AllocateArray<float>(count + 32, pinned: true);
        var o1 = new float[count];
        var o2 = new float[count];
        var oRef = new float[count];
        foreach (var a in (float[][])[q, k])
        {
            for (var i = 0; i < a.Length; i++)
                a[i] = (float)(rng.NextDouble() * 4 - 2);
        }
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)(rng.NextDouble() * 2 - 1);

        using var _ = Isa.Force(level);
        fixed (float* qp = q, kp = k, vBase = v, o1p = o1, o2p = o2, refp = oRef)
        {
            var aligned = (float*)(((nint)vBase + 63) & ~(nint)63);
            foreach (var (vp, op) in new[] { ((nint)aligned, (nint)o1p), ((nint)(aligned + 1), (nint)o2p) })
            {
                values.CopyTo(new Span<float>((float*)vp, count));
                var problem = Problem(qp, kp, (float*)vp, B, H, N, D);
                FusedAttention.Forward(problem, AttentionOperand.Dense((float*)op, H, N, D), null, Isa.Current);
            }
            AttentionReference.Forward(Problem(qp, kp, aligned + 1, B, H, N, D), AttentionOperand.Dense(refp, H, N, D), null);
        }
        AttentionAssert.Identical(o1, o2, $"O, aligned versus unaligned V, {level}");
        AttentionAssert.Close(oRef, o1, 2e-6, 2e-5, $"O versus the reference, {level}");
    }

    private static AttentionProblem Problem(float* q, float* k, float* v, int b, int h, int n, int d) => new()
    {
        Batch = b,
        Heads = h,
        QueryLength = n,
        KeyLength = n,
        HeadDim = d,
        ValueDim = d,
        Query = AttentionOperand.Dense(q, h, n, d),
        Key = AttentionOperand.Dense(k, h, n, d),
        Value = AttentionOperand.Dense(v, h, n, d),
    };
}
