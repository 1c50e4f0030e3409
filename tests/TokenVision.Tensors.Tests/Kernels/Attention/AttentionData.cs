using System.Runtime.CompilerServices;
using TokenVision.Tensors.Kernels;
using TokenVision.Tensors.Kernels.Attention;

namespace TokenVision.Tensors.Tests.Kernels.Attention;

/// <summary>Pinned buffers for one <see cref="AttentionCase"/>, with operands, outputs and gradients.</summary>
internal sealed unsafe class AttentionData
{
    private readonly List<Array> _keep = [];

    /// <summary>Allocates and fills the inputs of <paramref name="c"/> (deterministic in its seed).</summary>
    public AttentionData(AttentionCase c)
    {
        Case = c;
        var rng = new Random(c.Seed);
        if (c.Layout == LayoutKind.PackedQkv && (c.Nq != c.Nk || c.D != c.Dv))
            throw new ArgumentException("packed qkv needs Nq = Nk and d = dv");
        if (c.Layout == LayoutKind.PackedQkv)
        {
            // [B, N, 3, H, d]
            var n = c.Nq;
            var qkv = NewFloats((long)c.B * n * 3 * c.H * c.D, rng, c.Spread);
            long bs = (long)n * 3 * c.H * c.D, rs = 3L * c.H * c.D;
            Q = new AttentionOperand(qkv, bs, c.D, rs);
            K = new AttentionOperand(qkv + c.H * c.D, bs, c.D, rs);
            V = new AttentionOperand(qkv + 2 * c.H * c.D, bs, c.D, rs);
            // Value entries are drawn at the same spread as Q and K here; that is fine for comparisons.
        }
        else
        {
            Q = NewOperand(c.B, c.H, c.Nq, c.D, rng, c.Spread);
            K = NewOperand(c.B, c.H, c.Nk, c.D, rng, c.Spread);
            V = NewOperand(c.B, c.H, c.Nk, c.Dv, rng, 1f);
        }
        O = NewOutput(c.Nq, c.Dv);
        ORef = NewOutput(c.Nq, c.Dv);
        DO = NewOperand(c.B, c.H, c.Nq, c.Dv, rng, 1f);
        DQ = NewOutput(c.Nq, c.D);
        DK = NewOutput(c.Nk, c.D);
        DV = NewOutput(c.Nk, c.Dv);
        DQRef = NewOutput(c.Nq, c.D);
        DKRef = NewOutput(c.Nk, c.D);
        DVRef = NewOutput(c.Nk, c.Dv);
        Lse = NewFloats((long)c.B * c.H * c.Nq, null, 0);
        LseRef = NewFloats((long)c.B * c.H * c.Nq, null, 0);
        (Bias, BiasGrad, BiasGradRef, BiasLength) = MakeBias(c, rng);
        Mask = MakeMask(c, rng);
    }

    /// <summary>The case.</summary>
    public AttentionCase Case { get; }

    /// <summary>Queries.</summary>
    public AttentionOperand Q { get; }

    /// <summary>Keys.</summary>
    public AttentionOperand K { get; }

    /// <summary>Values.</summary>
    public AttentionOperand V { get; }

    /// <summary>Kernel output.</summary>
    public Strided O { get; }

    /// <summary>Reference output.</summary>
    public Strided ORef { get; }

    /// <summary>Output gradient.</summary>
    public AttentionOperand DO { get; }

    /// <summary>Kernel gradients.</summary>
    public Strided DQ { get; }

    /// <summary>Kernel key gradient.</summary>
    public Strided DK { get; }

    /// <summary>Kernel value gradient.</summary>
    public Strided DV { get; }

    /// <summary>Reference query gradient.</summary>
    public Strided DQRef { get; }

    /// <summary>Reference key gradient.</summary>
    public Strided DKRef { get; }

    /// <summary>Reference value gradient.</summary>
    public Strided DVRef { get; }

    /// <summary>Kernel log-sum-exp [B, H, Nq].</summary>
    public float* Lse { get; }

    /// <summary>Reference log-sum-exp.</summary>
    public float* LseRef { get; }

    /// <summary>Bias (or absent).</summary>
    public ScoreTerm<float> Bias { get; }

    /// <summary>Kernel bias gradient, same strides as the bias (or absent).</summary>
    public ScoreTerm<float> BiasGrad { get; }

    /// <summary>Reference bias gradient.</summary>
    public ScoreTerm<float> BiasGradRef { get; }

    /// <summary>Elements of the bias storage.</summary>
    public long BiasLength { get; }

    /// <summary>Mask (or absent).</summary>
    public ScoreTerm<byte> Mask { get; }

    /// <summary>The problem over these buffers.</summary>
    public AttentionProblem Problem => new()
    {
        Batch = Case.B,
        Heads = Case.H,
        QueryLength = Case.Nq,
        KeyLength = Case.Nk,
        HeadDim = Case.D,
        ValueDim = Case.Dv,
        Query = Q,
        Key = K,
        Value = V,
        Scale = Case.Scale,
        Bias = Bias,
        Mask = Mask,
        Causal = Case.Causal,
    };

    /// <summary>Runs the fused forward at <paramref name="isa"/> into <see cref="O"/> and <see cref="Lse"/>.</summary>
    public void Forward(IsaLevel isa) => FusedAttention.Forward(Problem, O.Operand, Lse, isa);

    /// <summary>Runs the reference forward into <see cref="ORef"/> and <see cref="LseRef"/>.</summary>
    public void ForwardReference() => AttentionReference.Forward(Problem, ORef.Operand, LseRef);

    /// <summary>Runs the fused backward (needs <see cref="Forward"/> first) into the kernel gradients.</summary>
    public void Backward(IsaLevel isa, AttentionBackwardSchedule schedule = AttentionBackwardSchedule.Auto) =>
        FusedAttention.Backward(Problem, O.Operand, DO, Lse, DQ.Operand, DK.Operand, DV.Operand, BiasGrad, isa, schedule);

    /// <summary>Runs the reference backward into the reference gradients.</summary>
    public void BackwardReference() =>
        AttentionReference.Backward(Problem, DO, DQRef.Operand, DKRef.Operand, DVRef.Operand, BiasGradRef);

    /// <summary>Reads the bias gradient storage.</summary>
    public float[] Read(ScoreTerm<float> term) => term.IsPresent ? new Span<float>(term.Data, (int)BiasLength).ToArray() : [];

    /// <summary>Reads the log-sum-exp.</summary>
    public float[] Read(float* lse) => new Span<float>(lse, Case.B * Case.H * Case.Nq).ToArray();

    private float* NewFloats(long count, Random? rng, float spread, bool nanFill = false)
    {
        var a = GC.AllocateArray<float>((int)Math.Max(count, 1), pinned: true);
        _keep.Add(a);
        for (var i = 0; i < a.Length; i++)
            a[i] = rng is null ? (nanFill ? float.NaN : 0f) : (float)(Gaussian(rng) * spread);
        return (float*)Unsafe.AsPointer(ref a[0]);
    }

    private byte* NewBytes(long count)
    {
        var a = GC.AllocateArray<byte>((int)Math.Max(count, 1), pinned: true);
        _keep.Add(a);
        return (byte*)Unsafe.AsPointer(ref a[0]);
    }

    private AttentionOperand NewOperand(int b, int h, int n, int f, Random rng, float spread)
    {
        if (Case.Layout == LayoutKind.Padded)
        {
            // rows padded by 3, 5 spare rows per head, 7 spare elements per batch entry; the gaps hold NaN so a read
            // outside the operand shows.
            long rs = f + 3, hs = (n + 5) * rs, bs = h * hs + 7;
            var data = NewFloats(b * bs + 8, rng, spread);
            for (long i = 0; i < b * bs + 8; i++)
            {
                var inBatch = i % bs;
                var inHead = inBatch % hs;
                if (inBatch >= h * hs || inHead >= n * rs || inHead % rs >= f)
                    data[i] = float.NaN;
            }
            return new AttentionOperand(data, bs, hs, rs);
        }
        return AttentionOperand.Dense(NewFloats((long)b * h * n * f, rng, spread), h, n, f);
    }

    private Strided NewOutput(int n, int f)
    {
        var c = Case;
        AttentionOperand op;
        long count;
        switch (c.Layout)
        {
            case LayoutKind.PackedQkv:
                // [B, N, H, f]: the transpose back before the output projection comes for free.
                count = (long)c.B * n * c.H * f;
                op = new AttentionOperand(NewFloats(count, null, 0, nanFill: true), (long)n * c.H * f, f, (long)c.H * f);
                break;
            case LayoutKind.Padded:
                long rs = f + 2, hs = (n + 1) * rs, bs = c.H * hs + 3;
                count = c.B * bs;
                op = new AttentionOperand(NewFloats(count, null, 0, nanFill: true), bs, hs, rs);
                break;
            default:
                count = (long)c.B * c.H * n * f;
                op = AttentionOperand.Dense(NewFloats(count, null, 0, nanFill: true), c.H, n, f);
                break;
        }
        return new Strided(op, c.B, c.H, n, f, op.Data, count);
    }

    private (ScoreTerm<float>, ScoreTerm<float>, ScoreTerm<float>, long) MakeBias(AttentionCase c, Random rng)
    {
        long bs, hs, qs, ks, count;
        var period = 0;
        switch (c.Bias)
        {
            case BiasKind.None:
                return (default, default, default, 0);
            case BiasKind.Full:
                (ks, qs) = (1, c.Nk);
                hs = (long)c.Nq * c.Nk;
                bs = c.H * hs;
                count = c.B * bs;
                break;
            case BiasKind.PerHead:
            case BiasKind.WithInfinities:
                (bs, ks, qs) = (0, 1, c.Nk);
                hs = (long)c.Nq * c.Nk;
                count = c.H * hs;
                break;
            case BiasKind.PerWindow:
                (hs, ks, qs) = (0, 1, c.Nk);
                bs = (long)c.Nq * c.Nk;
                period = 2;
                count = 2 * bs;
                break;
            case BiasKind.PerKey:
                (hs, qs, ks) = (0, 0, 1);
                bs = c.Nk;
                count = c.B * bs;
                break;
            case BiasKind.Transposed:
                (ks, qs) = (c.Nq, 1);
                hs = (long)c.Nq * c.Nk;
                bs = c.H * hs;
                count = c.B * bs;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(c));
        }
        var data = NewFloats(count, rng, 0.5f);
        if (c.Bias == BiasKind.WithInfinities)
        {
            for (var i = 0; i < count; i++)
            {
                if (rng.NextDouble() < 0.2)
                    data[i] = float.NegativeInfinity;
            }
        }
        var grad = NewFloats(count, null, 0, nanFill: true);
        var gradRef = NewFloats(count, null, 0, nanFill: true);
        return (new ScoreTerm<float>(data, bs, hs, qs, ks, period), new ScoreTerm<float>(grad, bs, hs, qs, ks, period),
            new ScoreTerm<float>(gradRef, bs, hs, qs, ks, period), count);
    }

    private ScoreTerm<byte> MakeMask(AttentionCase c, Random rng)
    {
        switch (c.Mask)
        {
            case MaskKind.None:
                return default;
            case MaskKind.Random:
            case MaskKind.Transposed:
            {
                var count = (long)c.B * c.H * c.Nq * c.Nk;
                var data = NewBytes(count);
                for (long i = 0; i < count; i++)
                    data[i] = (byte)(rng.NextDouble() < 0.3 ? 0 : 1 + rng.Next(200));
                // Fully mask every fifth query row of the first (b, h) (rows are contiguous in either storage order
                // only for Random; for Transposed this masks every fifth key column instead).
                for (var i = 0; i < c.Nq; i += 5)
                {
                    for (var j = 0; j < c.Nk; j++)
                        data[c.Mask == MaskKind.Random ? (long)i * c.Nk + j : (long)j * c.Nq + i] = 0;
                }
                long hs = (long)c.Nq * c.Nk, bs = c.H * hs;
                return c.Mask == MaskKind.Random
                    ? new ScoreTerm<byte>(data, bs, hs, c.Nk, 1)
                    : new ScoreTerm<byte>(data, bs, hs, 1, c.Nq);
            }
            case MaskKind.KeyPadding:
            {
                var data = NewBytes((long)c.B * c.Nk);
                for (var b = 0; b < c.B; b++)
                {
                    var valid = Math.Max(0, c.Nk - 1 - 3 * b);
                    for (var j = 0; j < c.Nk; j++)
                        data[b * c.Nk + j] = (byte)(j < valid ? 1 : 0);
                }
                return new ScoreTerm<byte>(data, c.Nk, 0, 0, 1);
            }
            case MaskKind.PerWindow:
            {
                long plane = (long)c.Nq * c.Nk;
                var data = NewBytes(2 * plane);
                for (long i = 0; i < 2 * plane; i++)
                    data[i] = (byte)(rng.NextDouble() < 0.25 ? 0 : 1);
                return new ScoreTerm<byte>(data, plane, 0, c.Nk, 1, batchPeriod: 2);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(c));
        }
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
