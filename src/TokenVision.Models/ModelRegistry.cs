using TokenVision.Nn;

namespace TokenVision.Models;

/// <summary>
/// Architectures by their timm (or torchvision) names, each with its default configuration and a factory.
/// Every family registers its variants explicitly; no reflection.
/// </summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, Entry> s_entries = Build();

    /// <summary>A registered architecture.</summary>
    public sealed record Entry(string Name, ModelConfig Config, Func<ModelConfig, Module<Tensors.Tensor, Tensors.Tensor>> Factory, PretrainedConfig Pretrained);

    /// <summary>All registered names, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. s_entries.Keys.Order(StringComparer.Ordinal)];

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public static bool Contains(string name) => s_entries.ContainsKey(name);

    /// <summary>The entry for <paramref name="name"/>; the error lists close names.</summary>
    public static Entry Get(string name)
    {
        if (s_entries.TryGetValue(name, out var e))
            return e;
        var close = s_entries.Keys.Where(k => k.Contains(name.Split('_')[0], StringComparison.OrdinalIgnoreCase)).Order().Take(8);
        throw new KeyNotFoundException($"unknown model '{name}'; similar: {string.Join(", ", close)}");
    }

    /// <summary>Builds <paramref name="name"/> with its default configuration, optionally changed by <paramref name="configure"/>.</summary>
    public static Module<Tensors.Tensor, Tensors.Tensor> Create(string name, Func<ModelConfig, ModelConfig>? configure = null)
    {
        var e = Get(name);
        var config = configure is null ? e.Config : configure(e.Config);
        return e.Factory(config);
    }

    /// <summary>Builds <paramref name="name"/> with a configuration of its own type changed by <paramref name="configure"/>.</summary>
    public static Module<Tensors.Tensor, Tensors.Tensor> Create<TConfig>(string name, Func<TConfig, TConfig> configure) where TConfig : ModelConfig
    {
        var e = Get(name);
        if (e.Config is not TConfig typed)
            throw new ArgumentException($"model '{name}' is configured by {e.Config.GetType().Name}, not {typeof(TConfig).Name}");
        return e.Factory(configure(typed));
    }

    private static Dictionary<string, Entry> Build()
    {
        var r = new Registrar();
        Vit.VitVariants.Register(r);
        ResNet.ResNetVariants.Register(r);
        Beit.BeitVariants.Register(r);
        TorchvisionVit.TorchvisionVitVariants.Register(r);
        Swin.SwinVariants.Register(r);
        TorchvisionSwin.TorchvisionSwinVariants.Register(r);
        MViT.MViTv2Variants.Register(r);
        TorchvisionMViT.VideoMViTVariants.Register(r);
        return r.Entries;
    }

    /// <summary>Collects registrations from the model families.</summary>
    internal sealed class Registrar
    {
        public Dictionary<string, Entry> Entries { get; } = new(StringComparer.Ordinal);

        public void Add<TConfig>(string name, TConfig config, Func<TConfig, Module<Tensors.Tensor, Tensors.Tensor>> factory, PretrainedConfig pretrained)
            where TConfig : ModelConfig
        {
            Entries.Add(name, new Entry(name, config, c => factory((TConfig)c), pretrained));
        }
    }
}
