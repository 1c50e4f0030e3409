using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// Batch normalisation over channels of [N, C, ...] (Ioffe and Szegedy, 2015). Keys: <c>weight</c>, <c>bias</c>,
/// <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c> (int64).
/// </summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with weight 1, bias 0, running mean 0 and variance 1.</summary>
    public BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f)
    {
        Eps = eps;
        Momentum = momentum;
        Weight = RegisterParameter("weight", Tensor.Ones(channels));
        Bias = RegisterParameter("bias", Tensor.Zeros(channels));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(channels));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones(channels));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([], DType.Int64));
    }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>Running-statistics update rate.</summary>
    public float Momentum { get; }

    /// <summary>[C] scale.</summary>
    public Tensor Weight { get; }

    /// <summary>[C] shift.</summary>
    public Tensor Bias { get; }

    /// <summary>[C] running mean.</summary>
    public Tensor RunningMean { get; }

    /// <summary>[C] running (unbiased) variance.</summary>
    public Tensor RunningVar { get; }

    /// <summary>Number of training batches seen.</summary>
    public Tensor NumBatchesTracked { get; }

    /// <summary>[N, C, ...] → same shape.</summary>
    public override Tensor Forward(Tensor x)
    {
        if (Training)
        {
            using var _ = Grad.Disabled();
            using var one = Tensor.Full([], 1, DType.Int64);
            using var next = NumBatchesTracked.Add(one);
            NumBatchesTracked.Copy_(next);
        }
        return Functional.BatchNorm(x, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
    }
}
