using TokenVision.Tensors;

namespace TokenVision.Training;

/// <summary>Parameters that share a learning rate and weight decay (as a torch optimizer param group).</summary>
public sealed class ParamGroup
{
    /// <summary>Creates the group.</summary>
    public ParamGroup(IEnumerable<Tensor> parameters, float lr, float weightDecay)
    {
        Params = [.. parameters];
        Lr = lr;
        InitialLr = lr;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>Current learning rate (schedules change it).</summary>
    public float Lr { get; set; }

    /// <summary>The learning rate the group was created with.</summary>
    public float InitialLr { get; }

    /// <summary>Weight decay.</summary>
    public float WeightDecay { get; set; }
}
