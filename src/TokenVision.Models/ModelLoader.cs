using System.Text.Json.Nodes;
using TokenVision.IO.Weights;
using TokenVision.Tensors;

namespace TokenVision.Models;

/// <summary>
/// Builds a model from a registry name (random weights) or from a timm/torchvision model folder (config.json plus
/// model.safetensors or pytorch_model.bin). A folder's weights are checked key for key and shape for shape before any
/// is written, so a model is never returned half-loaded.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads <paramref name="nameOrDirectory"/>: an existing directory is a model folder, anything else a registry name.</summary>
    /// <param name="nameOrDirectory">A registry name such as <c>vit_small_patch16_224</c>, or a folder.</param>
    /// <param name="zeroCopy">Share memory-mapped weights instead of copying them (inference only: the parameters become read-only).</param>
    public static LoadedModel Load(string nameOrDirectory, bool zeroCopy = false)
    {
        if (Directory.Exists(nameOrDirectory))
            return LoadFolder(nameOrDirectory, zeroCopy);
        var entry = ModelRegistry.Get(nameOrDirectory);
        return new LoadedModel(entry.Name, entry.Factory(entry.Config), entry.Config, entry.Pretrained, null, entry.Name);
    }

    private static LoadedModel LoadFolder(string directory, bool zeroCopy)
    {
        var folder = ModelFolder.Open(directory);
        var cfg = folder.Config;
        var name = RegistryName(cfg, directory);
        var entry = ModelRegistry.Get(name);
        var config = BindConfig(entry.Config, cfg, folder.ConfigPath);
        // The checkpoint replaces every parameter, so none is allocated or initialised before it arrives.
        Nn.Module<Tensor, Tensor> model;
        using (DeferredAllocation.Begin())
            model = entry.Factory(config);
        var pretrained = MergePretrained(entry.Pretrained, cfg.PretrainedCfg, config);
        if (cfg.InputSize is { } inputSize)
            pretrained = pretrained with { InputSize = inputSize };
        if (folder.WeightsPath is null)
            throw new FileNotFoundException($"{directory}: no weights file (expected {string.Join(" or ", ModelFolder.WeightFileNames)})");
        var weights = folder.OpenWeights();
        try
        {
            IReadOnlyDictionary<string, Tensor> stateDict = weights.ReadStateDict(zeroCopy);
            if (model is ICheckpointFilter filter)
                stateDict = filter.FilterCheckpoint(stateDict);
            model.LoadStateDict(stateDict, strict: true, modelName: $"{name} ({folder.WeightsPath})", assign: zeroCopy);
        }
        finally
        {
            // Zero-copy parameters keep the mapping reachable; it is released when the model is.
            if (!zeroCopy)
                weights.Dispose();
        }
        model.Eval();
        var labels = cfg.Json["label_names"] is JsonArray top
            ? [.. top.Select(n => n?.GetValue<string>() ?? "")]
            : cfg.PretrainedCfg?.LabelNames;
        return new LoadedModel(name, model, config, pretrained, labels, directory);
    }

    /// <summary>The registry name of a folder's architecture (torchvision folders name their builder).</summary>
    private static string RegistryName(ModelFolderConfig cfg, string directory)
    {
        if (!cfg.IsTorchvision)
            return cfg.Architecture;
        var builder = cfg.ReferenceBuilder ?? throw new ArgumentException($"{directory}/config.json: torchvision config without 'reference_builder'");
        return builder[(builder.LastIndexOf('.') + 1)..];
    }

    private static ModelConfig BindConfig(ModelConfig defaults, ModelFolderConfig cfg, string path)
    {
        var config = defaults;
        if (cfg.ModelCfg is { } modelCfg)
            config = ConfigBinder.Bind(config, modelCfg, $"{path} model_cfg");
        var args = (JsonObject)cfg.ModelArgs.DeepClone();
        if (!args.ContainsKey("num_classes") && cfg.NumClasses is { } n)
            args["num_classes"] = n;
        return ConfigBinder.Bind(config, args, $"{path} model_args");
    }

    private static PretrainedConfig MergePretrained(PretrainedConfig defaults, IO.Weights.PretrainedConfig? file, ModelConfig config)
    {
        var p = defaults with { NumClasses = config.NumClasses };
        if (file is null)
            return p;
        return p with
        {
            InputSize = file.InputSize ?? p.InputSize,
            Interpolation = file.Interpolation ?? p.Interpolation,
            CropPct = file.CropPct is { } c ? (float)c : p.CropPct,
            TestInputSize = file.TestInputSize ?? p.TestInputSize,
            TestCropPct = file.TestCropPct is { } tc ? (float)tc : p.TestCropPct,
            CropMode = file.CropMode ?? p.CropMode,
            Mean = file.Mean is { } m ? [.. m.Select(v => (float)v)] : p.Mean,
            Std = file.Std is { } s ? [.. s.Select(v => (float)v)] : p.Std,
            FirstConv = file.FirstConv ?? p.FirstConv,
            Classifier = file.Classifier ?? p.Classifier,
        };
    }
}
