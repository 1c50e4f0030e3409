using TokenVision.Tensors;

namespace TokenVision.Training;

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter, 2019), with torch.optim.AdamW's update rule.</summary>
public sealed class AdamW : Optimizer
{
    private readonly Dictionary<Tensor, (Tensor M, Tensor V)> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
        : base(groups)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    /// <summary>Creates the optimizer over one group.</summary>
    public AdamW(IEnumerable<Tensor> parameters, float lr = 1e-3f, float weightDecay = 1e-2f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
        : this([new ParamGroup(parameters, lr, weightDecay)], beta1, beta2, eps)
    {
    }

    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public float Eps { get; }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad)
    {
        if (!_state.TryGetValue(param, out var s))
            _state[param] = s = (Tensor.Zeros(param.Shape.ToArray()), Tensor.Zeros(param.Shape.ToArray()));
        var (m, v) = s;
        FusedOptim.AdamWStep(param, grad, m, v, group.Lr, Beta1, Beta2, Eps, group.WeightDecay, StepCount);
    }
}
