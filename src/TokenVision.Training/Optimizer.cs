using TokenVision.Tensors;

namespace TokenVision.Training;

/// <summary>Updates parameters from their gradients; state is created lazily and lives outside any tensor scope.</summary>
public abstract class Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="groups"/>.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups)
    {
        ParamGroups = [.. groups];
        if (ParamGroups.Count == 0 || ParamGroups.All(g => g.Params.Count == 0))
            throw new ArgumentException("optimizer got no parameters");
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups { get; }

    /// <summary>Number of steps taken.</summary>
    public int StepCount { get; private set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using var noGrad = Grad.Disabled();
        using var unscoped = TensorScope.Suspend();
        foreach (var group in ParamGroups)
            foreach (var p in group.Params)
                if (p.Grad is { } g)
                    Update(group, p, g);
    }

    /// <summary>Updates one parameter in place.</summary>
    protected abstract void Update(ParamGroup group, Tensor param, Tensor grad);

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var group in ParamGroups)
            foreach (var p in group.Params)
            {
                p.Grad?.Dispose();
                p.Grad = null;
            }
    }

    /// <summary>Sets every group's learning rate.</summary>
    public void SetLearningRate(float lr)
    {
        foreach (var g in ParamGroups)
            g.Lr = lr;
    }
}
