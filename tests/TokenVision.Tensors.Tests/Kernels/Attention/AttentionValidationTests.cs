using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

public sealed unsafe class AttentionValidationTests
{
    [Fact]
    public void DefaultScale_IsInverseSquareRootOfHeadDim()
    {
        var p = new AttentionProblem { Batch = 1, Heads = 1, QueryLength = 1, KeyLength = 1, HeadDim = 64, ValueDim = 8, Query = default, Key = default, Value = default };
        Assert.Equal(0.125f, p.EffectiveScale);
        Assert.Equal(0.5f, (p with { Scale = 0.5f }).EffectiveScale);
    }

    [Fact]
    public void BadSizesAndNullOperands_Throw()
    {
        var x = stackalloc float[16];
        var op = new AttentionOperand(x, 0, 0, 0);
        var p = new AttentionProblem { Batch = 1, Heads = 1, QueryLength = 1, KeyLength = 1, HeadDim = 4, ValueDim = 4, Query = op, Key = op, Value = op };
        var o = new AttentionOperand(x + 8, 0, 0, 0);
        FusedAttention.Forward(p, o, null, Isa.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => FusedAttention.Forward(p with { HeadDim = 0 }, o, null, Isa.Current));
        Assert.Throws<ArgumentOutOfRangeException>(() => FusedAttention.Forward(p with { KeyLength = -1 }, o, null, Isa.Current));
        Assert.Throws<ArgumentOutOfRangeException>(() => FusedAttention.Forward(p with { Scale = float.NaN }, o, null, Isa.Current));
        Assert.Throws<ArgumentNullException>(() => FusedAttention.Forward(p with { Key = default }, o, null, Isa.Current));
        Assert.Throws<ArgumentNullException>(() => FusedAttention.Forward(p, default, null, Isa.Current));
        Assert.Throws<ArgumentNullException>(() => FusedAttention.Backward(p, o, o, null, o, o, o, default, Isa.Current));
    }

    [Fact]
    public void EmptyBatch_DoesNothing()
    {
        var p = new AttentionProblem { Batch = 0, Heads = 3, QueryLength = 5, KeyLength = 5, HeadDim = 4, ValueDim = 4, Query = default, Key = default, Value = default };
        FusedAttention.Forward(p, default, null, Isa.Current);
        FusedAttention.Backward(p, default, default, null, default, default, default, default, Isa.Current);
    }
}
