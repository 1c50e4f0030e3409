using TokenVision.Tensors;

namespace TokenVision.Training;

/// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD.</summary>
public sealed class Sgd : Optimizer
{
    private readonly Dictionary<Tensor, Tensor> _momentum = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the optimizer.</summary>
    public Sgd(IEnumerable<ParamGroup> groups, float momentum = 0f, float dampening = 0f, bool nesterov = false)
        : base(groups)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires momentum > 0 and zero dampening");
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>Creates the optimizer over one group.</summary>
    public Sgd(IEnumerable<Tensor> parameters, float lr, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : this([new ParamGroup(parameters, lr, weightDecay)], momentum, 0f, nesterov)
    {
    }

    /// <summary>Momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>Dampening of the momentum.</summary>
    public float Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(ParamGroup group, Tensor param, Tensor grad)
    {
        Tensor? buf = null;
        var first = false;
        if (Momentum != 0)
        {
            if (!_momentum.TryGetValue(param, out buf))
            {
                buf = Tensor.Zeros(param.Shape.ToArray());
                _momentum.Add(param, buf);
                first = true;
            }
        }
        FusedOptim.SgdStep(param, grad, buf, group.Lr, Momentum, Dampening, group.WeightDecay, Nesterov, first);
    }
}
