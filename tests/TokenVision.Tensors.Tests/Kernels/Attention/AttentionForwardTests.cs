using Xunit;
using TokenVision.Tensors.Kernels;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

public sealed unsafe class AttentionForwardTests
{
    public static TheoryData<int, IsaLevel> Cases => AttentionCases.CasesByLevel();

    [Theory, MemberData(nameof(Cases))]
    public void Forward_MatchesReference(int index, IsaLevel level)
    {
        var c = AttentionCases.All[index];
        var data = new AttentionData(c);
        data.ForwardReference();
        using (Isa.Force(level))
            data.Forward(Isa.Current);
        AttentionAssert.Close(data.ORef.Read(), data.O.Read(), 2e-6, 2e-5, $"O ({c}, {level})");
        AttentionAssert.Close(data.Read(data.LseRef), data.Read(data.Lse), 1e-6, 1e-6, $"L ({c}, {level})");
        Assert.Equal((long)c.B * c.H * c.Nq * c.Dv, data.O.Written());
    }
}
