using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Threading;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Bitwise reproducibility: repeated runs, thread counts and the two backward schedules.</summary>
[Collection(nameof(WorkerPoolThreads))]
public sealed unsafe class AttentionDeterminismTests
{
    public static TheoryData<int> Cases => new() { 1, 4, 8, 15 };

    [Theory, MemberData(nameof(Cases))]
    public void RepeatedRuns_ThreadCounts_AndSchedules_GiveIdenticalBits(int index)
    {
        var c = AttentionCases.All[index];
        var data = new AttentionData(c);
        var saved = WorkerPool.Threads;
        try
        {
            float[]? o = null, lse = null, dq = null, dk = null, dv = null, db = null;
            foreach (var threads in new[] { 2, 2, 1, Math.Min(3, WorkerPool.MaxThreads) })
            {
                WorkerPool.Threads = threads;
                foreach (var onePass in new bool?[] { null, true, false })
                {
                    data.Forward(Isa.Current);
                    data.Backward(Isa.Current, onePass);
                    var what = $"{c}, {threads} threads, one pass {onePass?.ToString() ?? "auto"}";
                    Check(ref o, data.O.Read(), "O " + what);
                    Check(ref lse, data.Read(data.Lse), "L " + what);
                    Check(ref dq, data.DQ.Read(), "dQ " + what);
                    Check(ref dk, data.DK.Read(), "dK " + what);
                    Check(ref dv, data.DV.Read(), "dV " + what);
                    Check(ref db, data.Read(data.BiasGrad), "dBias " + what);
                }
            }
        }
        finally
        {
            WorkerPool.Threads = saved;
        }
    }

    private static void Check(ref float[]? first, float[] now, string what)
    {
        if (first is null)
            first = now;
        else
            AttentionAssert.Identical(first, now, what);
    }
}
