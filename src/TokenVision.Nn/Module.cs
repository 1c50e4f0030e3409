using TokenVision.Tensors;

namespace TokenVision.Nn;

/// <summary>
/// A network building block with named parameters, buffers and children. The dotted names
/// (<c>blocks.3.attn.qkv.weight</c>) are exactly the keys of the timm or torchvision state dict, declared once
/// where each child or tensor is created, so loading a checkpoint is a one-to-one copy.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Tensor Tensor, bool Persistent)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>True in training mode (dropout, drop-path and batch statistics active).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a child module under <paramref name="name"/> and returns it.</summary>
    protected T Register<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    /// <summary>Replaces the child registered as <paramref name="name"/> (for example a new classifier head), keeping its position.</summary>
    protected T ReplaceChild<T>(string name, T module) where T : Module
    {
        var i = _children.FindIndex(c => c.Name == name);
        if (i < 0)
            throw new ArgumentException($"no child '{name}' in {GetType().Name}");
        _children[i] = (name, module);
        return module;
    }

    /// <summary>Registers a trainable parameter (it is made a leaf that requires grad and owned by this module).</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        if (value.DType != DType.Float32)
            throw new ArgumentException($"parameter '{name}' must be float32, got {value.DType.Name()}");
        TensorScope.Detach(value);
        value.RequiresGrad = true;
        _parameters.Add((name, value));
        return value;
    }

    /// <summary>Registers a buffer: state that is not trained (running statistics, index tables). Non-persistent buffers are not in the state dict.</summary>
    protected Tensor RegisterBuffer(string name, Tensor value, bool persistent = true)
    {
        CheckName(name);
        TensorScope.Detach(value);
        _buffers.Add((name, value, persistent));
        return value;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"invalid member name '{name}' (empty or contains '.')");
        if (_parameters.Exists(p => p.Name == name) || _buffers.Exists(b => b.Name == name) || _children.Exists(c => c.Name == name))
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}");
    }

    /// <summary>Direct children in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>Every module in the tree (this one first, with an empty name), depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(Join(prefix, name)))
                yield return m;
    }

    /// <summary>Every parameter with its full dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters)
            yield return (Join(prefix, name), p);
        foreach (var (name, child) in _children)
            foreach (var p in child.NamedParameters(Join(prefix, name)))
                yield return p;
    }

    /// <summary>Every parameter.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Every buffer with its full dotted name (persistent or not).</summary>
    public IEnumerable<(string Name, Tensor Buffer, bool Persistent)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b, persistent) in _buffers)
            yield return (Join(prefix, name), b, persistent);
        foreach (var (name, child) in _children)
            foreach (var b in child.NamedBuffers(Join(prefix, name)))
                yield return b;
    }

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.NumElements);

    /// <summary>
    /// The state dict: parameters and persistent buffers under their dotted names, in the order PyTorch lists them
    /// (each module's own parameters, then its own buffers, then its children).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        Collect(this, "", result);
        return result;

        static void Collect(Module m, string prefix, List<KeyValuePair<string, Tensor>> into)
        {
            foreach (var (name, p) in m._parameters)
                into.Add(new(Join(prefix, name), p));
            foreach (var (name, b, persistent) in m._buffers)
                if (persistent)
                    into.Add(new(Join(prefix, name), b));
            foreach (var (name, child) in m._children)
                Collect(child, Join(prefix, name), into);
        }
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/> into this module's parameters and persistent buffers (values are converted
    /// to each tensor's dtype). Every key is checked before anything is written, so a failed strict load leaves the
    /// module untouched. With <paramref name="strict"/>, missing or unexpected keys are an error; shape mismatches
    /// always are. The error lists every offending key.
    /// </summary>
    /// <remarks>
    /// With <paramref name="assign"/>, each parameter and buffer is made to share the given tensor's storage instead of
    /// copying it (torch's <c>assign=True</c>): loading memory-mapped weights then costs no memory of its own.
    /// </remarks>
    public StateDictReport LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true, string? modelName = null, bool assign = false)
    {
        var own = StateDict();
        var ownKeys = new HashSet<string>(own.Select(kv => kv.Key));
        var missing = own.Where(kv => !stateDict.ContainsKey(kv.Key)).Select(kv => kv.Key).ToList();
        var unexpected = stateDict.Keys.Where(k => !ownKeys.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var mismatched = new List<string>();
        foreach (var (key, target) in own)
        {
            if (stateDict.TryGetValue(key, out var source) && !SameShape(source, target))
                mismatched.Add($"{key}: expected {target.Shape}, got {source.Shape}");
        }
        var report = new StateDictReport(missing, unexpected, mismatched);
        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictException(report, modelName ?? GetType().Name);
        using (Grad.Disabled())
        {
            foreach (var (key, target) in own)
            {
                if (!stateDict.TryGetValue(key, out var source))
                    continue;
                if (assign && source.DType == target.DType)
                {
                    using var shaped = source.Reshape(target.Shape.ToArray());
                    target.Set_(shaped);
                }
                else if (source.Shape == target.Shape)
                {
                    target.Copy_(source);
                }
                else
                {
                    using var reshaped = source.Reshape(target.Shape.ToArray());
                    target.Copy_(reshaped);
                }
            }
        }
        return report;
    }

    /// <summary>Equal shapes; a 0-d scalar and a one-element vector also match (safetensors stores scalars as [1]).</summary>
    private static bool SameShape(Tensor a, Tensor b) =>
        a.Shape == b.Shape || (a.NumElements == 1 && b.NumElements == 1 && a.Rank <= 1 && b.Rank <= 1);

    /// <summary>Switches this module and its children to training (true) or evaluation (false) mode.</summary>
    public virtual Module Train(bool on = true)
    {
        Training = on;
        foreach (var (_, child) in _children)
            child.Train(on);
        return this;
    }

    /// <summary>Switches to evaluation mode.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears the gradients of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    /// <summary>Calls <paramref name="action"/> on every module in the tree, children first (as torch's apply).</summary>
    public void Apply(Action<Module> action)
    {
        foreach (var (_, child) in _children)
            child.Apply(action);
        action(this);
    }

    /// <summary>Sets the random generator of every stochastic module (dropout, drop-path) in the tree.</summary>
    public void SetGenerator(Generator generator)
    {
        foreach (var (_, m) in NamedModules())
            if (m is IStochastic s)
                s.Generator = generator;
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
