namespace TokenVision.Tensors.Autograd;

/// <summary>
/// One recorded operation in the autograd graph: what it was (<see cref="Kind"/> plus op-specific
/// <see cref="Ctx"/>), where gradients go (one edge per input) and the tensors its derivative needs.
/// </summary>
internal sealed class Node
{
    private static long s_sequence;

    public Node(OpKind kind, int inputCount, object? ctx)
    {
        Kind = kind;
        Ctx = ctx;
        NextFns = new Node?[inputCount];
        Leaves = new Tensor?[inputCount];
        InputShapes = new int[inputCount][];
        Sequence = Interlocked.Increment(ref s_sequence);
    }

    public OpKind Kind { get; }

    /// <summary>Op-specific arguments (dimensions, strides, scalars) the derivative needs.</summary>
    public object? Ctx { get; }

    /// <summary>For input i: the node that produced it when it is not a leaf.</summary>
    public Node?[] NextFns { get; }

    /// <summary>For input i: the leaf tensor that accumulates the gradient.</summary>
    public Tensor?[] Leaves { get; }

    /// <summary>Shapes of the inputs, to reduce broadcast gradients back.</summary>
    public int[][] InputShapes { get; }

    /// <summary>Creation order; the engine runs later nodes first.</summary>
    public long Sequence { get; }

    public Tensor[] Saved { get; private set; } = [];

    private int[] _savedVersions = [];

    public bool Released { get; private set; }

    /// <summary>True when input i needs a gradient.</summary>
    public bool NeedsGrad(int i) => NextFns[i] is not null || Leaves[i] is not null;

    public void Save(Tensor[] tensors)
    {
        Saved = new Tensor[tensors.Length];
        _savedVersions = new int[tensors.Length];
        for (var i = 0; i < tensors.Length; i++)
        {
            Saved[i] = tensors[i].SavedAlias();
            _savedVersions[i] = tensors[i].Version;
        }
    }

    /// <summary>Throws when a saved tensor was modified in place after it was saved.</summary>
    public void CheckVersions()
    {
        if (Released)
            throw new InvalidOperationException(
                $"trying to backward through the graph a second time ({Kind} was already freed); pass retainGraph: true to the first Backward call");
        for (var i = 0; i < Saved.Length; i++)
        {
            if (Saved[i].Version != _savedVersions[i])
                throw new InvalidOperationException(
                    $"a tensor needed to compute the gradient of {Kind} (saved tensor {i}, shape {Saved[i].Shape}) was modified by an in-place operation " +
                    $"after it was saved (version {Saved[i].Version}, expected {_savedVersions[i]}); use the out-of-place form or clone it first");
        }
    }

    public void Release()
    {
        foreach (var t in Saved)
            t.Dispose();
        Saved = [];
        Released = true;
    }
}
