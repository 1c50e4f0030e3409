namespace TokenVision.Tensors.Autograd;

/// <summary>
/// Runs the backward pass: walks the graph from the output, visiting each node once after all of its consumers
/// (later-created nodes first), applies the derivative table in <see cref="Derivatives"/> and accumulates into
/// the leaves' <see cref="Tensor.Grad"/>.
/// </summary>
internal static class AutogradEngine
{
    public static void Run(Tensor root, Tensor? gradient, bool retainGraph)
    {
        root.ThrowIfDisposed();
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward() on a tensor of shape {root.Shape} that does not require grad and has no gradient function");
        if (gradient is null)
        {
            if (root.NumElements != 1)
                throw new InvalidOperationException($"Backward() without a gradient needs a one-element output, got shape {root.Shape}; pass the gradient explicitly");
        }
        else if (gradient.Shape != root.Shape)
        {
            throw new ArgumentException($"gradient shape {gradient.Shape} does not match output shape {root.Shape}");
        }

        using var noGrad = Grad.Disabled();
        var seed = gradient ?? Tensor.OnesLike(root);
        if (root.GradFn is null)
        {
            AccumulateLeaf(root, gradient is null ? seed : seed.Detach());
            return;
        }

        // Count, for every node, how many consumers will send it a gradient.
        var dependencies = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        stack.Push(root.GradFn);
        dependencies[root.GradFn] = 0;
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            foreach (var next in node.NextFns)
            {
                if (next is null)
                    continue;
                if (dependencies.TryGetValue(next, out var count))
                {
                    dependencies[next] = count + 1;
                }
                else
                {
                    dependencies[next] = 1;
                    stack.Push(next);
                }
            }
        }

        var pending = new Dictionary<Node, Tensor>(ReferenceEqualityComparer.Instance) { [root.GradFn] = seed };
        var ready = new PriorityQueue<Node, long>();
        ready.Enqueue(root.GradFn, -root.GradFn.Sequence);
        while (ready.TryDequeue(out var node, out _))
        {
            var grad = pending[node];
            pending.Remove(node);
            node.CheckVersions();
            var inputGrads = Derivatives.Compute(node, grad);
            if (!retainGraph)
                node.Release();
            // Every gradient handed on is a handle of its own, so releasing one never frees another's storage.
            var handedOn = new List<Tensor>(inputGrads.Length);
            for (var i = 0; i < inputGrads.Length; i++)
            {
                var g = inputGrads[i];
                if (g is null || !node.NeedsGrad(i))
                    continue;
                if (ReferenceEquals(g, grad) || ReferenceEquals(g, gradient) || handedOn.Exists(h => ReferenceEquals(h, g)))
                    g = g.Detach();
                handedOn.Add(g);
                if (!g.Shape.AsSpan().SequenceEqual(node.InputShapes[i]))
                    throw new InvalidOperationException(
                        $"internal autograd error: {node.Kind} produced a gradient of shape {g.Shape} for input {i} of shape {Tensor.FormatShape(node.InputShapes[i])}");
                if (node.Leaves[i] is { } leaf)
                {
                    AccumulateLeaf(leaf, g);
                    continue;
                }
                var next = node.NextFns[i]!;
                if (pending.TryGetValue(next, out var existing))
                {
                    pending[next] = existing.Add(g);
                    existing.Dispose();
                    g.Dispose();
                }
                else
                {
                    pending[next] = g;
                }
                if (--dependencies[next] == 0)
                    ready.Enqueue(next, -next.Sequence);
            }
            if (!ReferenceEquals(grad, gradient))
                grad.Dispose();
        }
    }

    /// <summary>Adds <paramref name="g"/> (a handle the engine owns) into the leaf's gradient.</summary>
    private static void AccumulateLeaf(Tensor leaf, Tensor g)
    {
        using var unscoped = TensorScope.Suspend();
        if (leaf.Grad is null || leaf.Grad.IsDisposed)
        {
            // The leaf gets storage of its own, so in-place updates of its gradient never touch another tensor.
            if (g.IsContiguous && g.Storage.RefCount == 1)
            {
                leaf.Grad = TensorScope.Detach(g);
                return;
            }
            leaf.Grad = TensorScope.Detach(g.Clone());
        }
        else
        {
            leaf.Grad.Add_(g);
        }
        g.Dispose();
    }
}
