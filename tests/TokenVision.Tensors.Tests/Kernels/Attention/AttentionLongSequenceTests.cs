using TokenVision.Tensors.Kernels;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>MViTv2 first-stage sizes (3136 tokens): correctness against the reference and O(N·d) working memory.</summary>
[Collection(nameof(WorkerPoolThreads))]
public sealed unsafe class AttentionLongSequenceTests
{
    [Fact]
    public void PooledKeys_3136x196_MatchesReference()
    {
        // MViTv2-T stage 1: 56×56 = 3136 queries attend to keys and values pooled 4×4 to 14×14 = 196 tokens.
        var c = new AttentionCase(1, 1, 3136, 196, 96, 96) { Seed = 41 };
        var data = new AttentionData(c);
        data.ForwardReference();
        data.BackwardReference();
        data.Forward(Isa.Current);
        data.Backward(Isa.Current);
        AttentionAssert.Close(data.ORef.Read(), data.O.Read(), 2e-6, 2e-5, "O");
        AttentionAssert.Close(data.DVRef.Read(), data.DV.Read(), 1e-5, 1e-4, "dV");
        AttentionAssert.Close(data.DKRef.Read(), data.DK.Read(), 1e-5, 1e-4, "dK");
        AttentionAssert.Close(data.DQRef.Read(), data.DQ.Read(), 1e-5, 1e-4, "dQ");
    }

    [Fact]
    public void FullSequence_3136_UsesLinearMemory()
    {
        var n = 3136;
        var c = new AttentionCase(1, 1, n, n, 8, 8) { Seed = 42, Causal = true };
        var data = new AttentionData(c);
        // The first calls may grow the per-thread scratch (O(N·d)); it must stay far below one N × N score matrix,
        // and once grown, further calls allocate next to nothing.
        var scores = 4L * n * n;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        data.Forward(Isa.Current);
        data.Backward(Isa.Current);
        var first = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(first < scores / 8, $"first call allocated {first} bytes; one score matrix is {scores}");
        before = GC.GetTotalAllocatedBytes(precise: true);
        data.Forward(Isa.Current);
        data.Backward(Isa.Current);
        var again = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(again < 64 * 1024, $"second call allocated {again} bytes");

        data.ForwardReference();
        data.BackwardReference();
        AttentionAssert.Close(data.ORef.Read(), data.O.Read(), 2e-6, 2e-5, "O");
        AttentionAssert.Close(data.Read(data.LseRef), data.Read(data.Lse), 1e-6, 1e-6, "L");
        AttentionAssert.Close(data.DQRef.Read(), data.DQ.Read(), 1e-5, 1e-4, "dQ");
        AttentionAssert.Close(data.DKRef.Read(), data.DK.Read(), 1e-5, 1e-4, "dK");
        AttentionAssert.Close(data.DVRef.Read(), data.DV.Read(), 1e-5, 1e-4, "dV");
    }
}
