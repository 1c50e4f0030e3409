using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;
using TokenVision.Tensors.Threading;
using Xunit;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Bitwise reproducibility over repeated runs and thread counts, for both backward schedules.</summary>
[Collection(nameof(WorkerPoolThreads))]
public sealed unsafe class AttentionDeterminismTests
{
    public static TheoryData<int> Cases => new() { 1, 4, 8, 15 };

    [Theory, MemberData(nameof(Cases))]
    public void RepeatedRuns_AndThreadCounts_GiveIdenticalBits(int index)
    {
        var c = AttentionCases.All[index];
        var data = new AttentionData(c);
        var saved = WorkerPool.Threads;
        try
        {
            float[]? o = null, lse = null, dk = null, dv = null, db = null;
            var dq = new Dictionary<AttentionBackwardSchedule, float[]>();
            foreach (var threads in new[] { 2, 2, 1, Math.Min(3, WorkerPool.MaxThreads) })
            {
                WorkerPool.Threads = threads;
                foreach (var schedule in new[] { AttentionBackwardSchedule.OnePass, AttentionBackwardSchedule.SplitKeys })
                {
                    data.Forward(Isa.Current);
                    data.Backward(Isa.Current, schedule);
                    var what = $"{c}, {threads} threads, {schedule}";
                    Check(ref o, data.O.Read(), "O " + what);
                    Check(ref lse, data.Read(data.Lse), "L " + what);
                    // dK, dV and dBias are the same chains of operations under both schedules; dQ sums key chunks
                    // separately under SplitKeys, so it is compared per schedule.
                    Check(ref dk, data.DK.Read(), "dK " + what);
                    Check(ref dv, data.DV.Read(), "dV " + what);
                    Check(ref db, data.Read(data.BiasGrad), "dBias " + what);
                    var first = dq.GetValueOrDefault(schedule);
                    Check(ref first, data.DQ.Read(), "dQ " + what);
                    dq[schedule] = first!;
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
