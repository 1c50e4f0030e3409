namespace TokenVision.IO.Weights;

/// <summary>
/// A model folder laid out like a timm repository on the Hugging Face hub: <c>config.json</c> plus <c>model.safetensors</c>
/// or <c>pytorch_model.bin</c> (safetensors preferred when both exist).
/// </summary>
public sealed class ModelFolder
{
    /// <summary>Weight file names looked for, in order of preference.</summary>
    public static IReadOnlyList<string> WeightFileNames { get; } = ["model.safetensors", "pytorch_model.bin"];

    private ModelFolder(string directory, ModelFolderConfig config, string? weightsPath)
    {
        Directory = directory;
        Config = config;
        WeightsPath = weightsPath;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Path of <c>config.json</c>.</summary>
    public string ConfigPath => Path.Combine(Directory, "config.json");

    /// <summary>The parsed <c>config.json</c>.</summary>
    public ModelFolderConfig Config { get; }

    /// <summary>The preferred weight file, or null when the folder has none.</summary>
    public string? WeightsPath { get; }

    /// <summary>Reads <c>config.json</c> in <paramref name="directory"/> and finds the weight file.</summary>
    /// <exception cref="WeightFormatException">The folder or its config is missing or invalid; the message names the folder and field.</exception>
    public static ModelFolder Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new WeightFormatException(directory, null, "model folder not found");
        var configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
            throw new WeightFormatException(directory, "config.json", "model folder has no config.json");
        var config = ModelFolderConfig.Load(configPath);
        var weights = WeightFileNames.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
        return new ModelFolder(directory, config, weights);
    }

    /// <summary>Opens the weight file (see <see cref="WeightFile.Open"/>).</summary>
    /// <exception cref="WeightFormatException">The folder has no weight file, or it is invalid.</exception>
    public ITensorSource OpenWeights(StateDictOptions? options = null) =>
        WeightsPath is { } path
            ? WeightFile.Open(path, options)
            : throw new WeightFormatException(Directory, null, $"model folder has no weight file ({string.Join(" or ", WeightFileNames)})");
}
