using GradMode = TokenVision.Tensors.Grad;
using TokenVision.Tensors.Autograd;

namespace TokenVision.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Attaches a graph node to <paramref name="output"/> when recording is on and any input requires grad.
    /// <paramref name="saved"/> are the tensors the derivative reads; they stay alive until the backward pass.
    /// </summary>
    internal static Tensor Record(Tensor output, OpKind kind, object? ctx, ReadOnlySpan<Tensor?> inputs, params Tensor[] saved)
    {
        if (!GradMode.IsEnabled)
            return output;
        var any = false;
        foreach (var t in inputs)
            any |= t is not null && t.RequiresGrad;
        if (!any)
            return output;
        var node = new Node(kind, inputs.Length, ctx);
        for (var i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i];
            if (t is null)
            {
                node.InputShapes[i] = [];
                continue;
            }
            node.InputShapes[i] = t.ShapeArray;
            if (!t.RequiresGrad)
                continue;
            if (t.GradFn is { } fn)
                node.NextFns[i] = fn;
            else
                node.Leaves[i] = t;
        }
        node.Save(saved);
        output.SetGradFn(node);
        return output;
    }

    /// <summary>True when an operation on these inputs would be recorded.</summary>
    internal static bool WillRecord(Tensor a) => a.RequiresGrad && GradMode.IsEnabled;

    /// <summary>True when an operation on these inputs would be recorded.</summary>
    internal static bool WillRecord(Tensor a, Tensor? b) => GradMode.IsEnabled && (a.RequiresGrad || (b?.RequiresGrad ?? false));

    /// <summary>Throws unless writing in place into this tensor is safe for autograd.</summary>
    internal void CheckInPlace(string op)
    {
        ThrowIfDisposed();
        if (_storage.ReadOnly)
            throw new InvalidOperationException($"{op}: the tensor of shape {Shape} is read-only (memory-mapped weights); clone it first");
        if (GradMode.IsEnabled && RequiresGrad)
            throw new InvalidOperationException(
                $"{op}: in-place operation on a tensor of shape {Shape} that requires grad; use the out-of-place form, or run it under Grad.Disabled()");
    }

    /// <summary>Marks the storage as modified so saved copies detect it.</summary>
    internal void BumpVersion() => Interlocked.Increment(ref _storage.Version);
}
