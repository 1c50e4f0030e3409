using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>Returns its input (as a new handle). No parameters.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    /// <summary>Same tensor out.</summary>
    public override Tensor Forward(Tensor x) => x.Identity();
}
