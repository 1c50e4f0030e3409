using Xunit;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

public sealed unsafe class AttentionBackwardTests
{
    public static TheoryData<int, IsaLevel> Cases => AttentionCases.CasesByLevel();

    [Theory, MemberData(nameof(Cases))]
    public void Backward_MatchesReference(int index, IsaLevel level)
    {
        var c = AttentionCases.All[index];
        var data = new AttentionData(c);
        data.BackwardReference();
        using (Isa.Force(level))
        {
            data.Forward(Isa.Current);
            foreach (var schedule in new[] { AttentionBackwardSchedule.OnePass, AttentionBackwardSchedule.SplitKeys })
            {
                data.DQ.Poison();
                data.DK.Poison();
                data.DV.Poison();
                data.Backward(Isa.Current, schedule);
                var what = $"({c}, {level}, {schedule})";
                AttentionAssert.Close(data.DVRef.Read(), data.DV.Read(), 1e-5, 1e-4, "dV " + what);
                AttentionAssert.Close(data.DKRef.Read(), data.DK.Read(), 1e-5, 1e-4, "dK " + what);
                AttentionAssert.Close(data.DQRef.Read(), data.DQ.Read(), 1e-5, 1e-4, "dQ " + what);
                if (data.Bias.IsPresent)
                    AttentionAssert.Close(data.Read(data.BiasGradRef), data.Read(data.BiasGrad), 1e-5, 1e-4, "dBias " + what);
                Assert.Equal((long)c.B * c.H * c.Nq * c.D, data.DQ.Written());
                Assert.Equal((long)c.B * c.H * c.Nk * c.D, data.DK.Written());
            }
        }
    }
}
