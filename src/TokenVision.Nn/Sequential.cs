using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>Runs children in order; their keys are "0", "1", ... as torch.nn.Sequential.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = [];

    /// <summary>Creates the container from <paramref name="layers"/>.</summary>
    public Sequential(params IEnumerable<Module<Tensor, Tensor>> layers)
    {
        foreach (var layer in layers)
            Add(layer);
    }

    /// <summary>Appends a layer under the next index.</summary>
    public Sequential Add(Module<Tensor, Tensor> layer)
    {
        _layers.Add(Register(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));
        return this;
    }

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>Layer <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Applies every layer in order, releasing intermediate results.</summary>
    public override Tensor Forward(Tensor x)
    {
        var current = x.Identity();
        foreach (var layer in _layers)
        {
            var next = layer.Forward(current);
            current.Dispose();
            current = next;
        }
        return current;
    }
}
