using System.Text.Json;
using System.Text.Json.Nodes;

namespace TokenVision.IO.Weights;

/// <summary>
/// A model folder's <c>config.json</c>, as timm writes it for the Hugging Face hub
/// (<c>architecture, num_classes, num_features, global_pool, model_args, pretrained_cfg</c>, plus <c>model_cfg</c> for
/// MViTv2) or in the torchvision style (<c>library: "torchvision", architecture, reference_builder, num_classes,
/// model_args, input_size, input_layout</c>). <see cref="ModelArgs"/> and <see cref="ModelCfg"/> are left as JSON for the
/// model code to interpret.
/// </summary>
public sealed record ModelFolderConfig
{
    /// <summary><c>timm</c>, or the config's <c>library</c> field (e.g. <c>torchvision</c>).</summary>
    public required string Library { get; init; }

    /// <summary>timm model name (e.g. <c>vit_tiny_patch16_224</c>) or, for torchvision, the class path (e.g. <c>torchvision.models.swin_transformer.SwinTransformer</c>).</summary>
    public required string Architecture { get; init; }

    /// <summary>Classifier outputs.</summary>
    public int? NumClasses { get; init; }

    /// <summary>Width of the pooled features before the classifier (informational).</summary>
    public int? NumFeatures { get; init; }

    /// <summary>Global pooling, e.g. <c>token</c> or <c>avg</c> (informational).</summary>
    public string? GlobalPool { get; init; }

    /// <summary>Constructor keyword arguments (empty when absent), e.g. <c>{"img_size": 32, "embed_dim": 48}</c>.</summary>
    public required JsonObject ModelArgs { get; init; }

    /// <summary>timm's <c>pretrained_cfg</c>, when present.</summary>
    public PretrainedConfig? PretrainedCfg { get; init; }

    /// <summary>An architecture config replacing the named one's (timm MViTv2: <c>MultiScaleVitCfg</c> fields), when present.</summary>
    public JsonObject? ModelCfg { get; init; }

    /// <summary>torchvision: the builder whose family the model belongs to, e.g. <c>torchvision.models.vit_b_16</c>.</summary>
    public string? ReferenceBuilder { get; init; }

    /// <summary>torchvision: input size without the batch, e.g. <c>[3, 32, 32]</c> or <c>[3, 4, 32, 32]</c> for video.</summary>
    public int[]? InputSize { get; init; }

    /// <summary>torchvision: input layout, e.g. <c>NCHW</c> or <c>NCTHW</c>.</summary>
    public string? InputLayout { get; init; }

    /// <summary>The whole document.</summary>
    public required JsonObject Json { get; init; }

    /// <summary>True for torchvision-style configs.</summary>
    public bool IsTorchvision => Library == "torchvision";

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="WeightFormatException">The file is not valid JSON or a field is missing or of the wrong type; the message names the file and field.</exception>
    public static ModelFolderConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightFormatException(path, null, $"cannot read: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses and validates <paramref name="json"/>; <paramref name="source"/> names it in errors.</summary>
    public static ModelFolderConfig Parse(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new WeightFormatException(source, null, $"not valid JSON: {e.Message}", e);
        }
        if (node is not JsonObject root)
            throw new WeightFormatException(source, null, "config must be a JSON object");
        var fields = new Fields(source);
        var library = fields.String(root, "library", "library") ?? "timm";
        var torchvision = library == "torchvision";
        var config = new ModelFolderConfig
        {
            Library = library,
            Architecture = fields.String(root, "architecture", "architecture", required: true)!,
            NumClasses = fields.Int(root, "num_classes", "num_classes", required: torchvision),
            NumFeatures = fields.Int(root, "num_features", "num_features"),
            GlobalPool = fields.String(root, "global_pool", "global_pool"),
            ModelArgs = fields.Object(root, "model_args", "model_args", required: torchvision) ?? [],
            ModelCfg = fields.Object(root, "model_cfg", "model_cfg"),
            ReferenceBuilder = fields.String(root, "reference_builder", "reference_builder"),
            InputSize = fields.PositiveInts(root, "input_size", "input_size", required: torchvision),
            InputLayout = fields.String(root, "input_layout", "input_layout"),
            PretrainedCfg = fields.Object(root, "pretrained_cfg", "pretrained_cfg") is { } cfg ? ParsePretrained(fields, cfg) : null,
            Json = root,
        };
        if (config.InputSize is { Length: not (3 or 4) } size)
            throw new WeightFormatException(source, "input_size", $"has {size.Length} values; expected [C, H, W] or [C, T, H, W]");
        if (config.ModelArgs["num_classes"] is { } argClasses && config.NumClasses is { } classes && fields.Int(config.ModelArgs, "num_classes", "model_args.num_classes") != classes)
            throw new WeightFormatException(source, "model_args.num_classes", $"is {argClasses.ToJsonString()} but num_classes is {classes}");
        return config;
    }

    private static PretrainedConfig ParsePretrained(Fields fields, JsonObject cfg)
    {
        const string p = "pretrained_cfg.";
        var inputSize = fields.PositiveInts(cfg, "input_size", p + "input_size");
        if (inputSize is { Length: not 3 })
            throw new WeightFormatException(fields.Source, p + "input_size", $"has {inputSize.Length} values; expected [C, H, W]");
        var testInputSize = fields.PositiveInts(cfg, "test_input_size", p + "test_input_size");
        if (testInputSize is { Length: not 3 })
            throw new WeightFormatException(fields.Source, p + "test_input_size", $"has {testInputSize.Length} values; expected [C, H, W]");
        var result = new PretrainedConfig
        {
            InputSize = inputSize,
            CropPct = fields.Double(cfg, "crop_pct", p + "crop_pct"),
            TestInputSize = testInputSize,
            TestCropPct = fields.Double(cfg, "test_crop_pct", p + "test_crop_pct"),
            CropMode = fields.String(cfg, "crop_mode", p + "crop_mode"),
            Interpolation = fields.String(cfg, "interpolation", p + "interpolation"),
            Mean = fields.Doubles(cfg, "mean", p + "mean"),
            Std = fields.Doubles(cfg, "std", p + "std"),
            NumClasses = fields.Int(cfg, "num_classes", p + "num_classes"),
            FirstConv = fields.String(cfg, "first_conv", p + "first_conv"),
            Classifier = fields.Strings(cfg, "classifier", p + "classifier", allowSingle: true),
            LabelNames = fields.Strings(cfg, "label_names", p + "label_names", allowSingle: false),
            Tag = fields.String(cfg, "tag", p + "tag"),
            FixedInputSize = fields.Bool(cfg, "fixed_input_size", p + "fixed_input_size"),
            Json = cfg,
        };
        foreach (var (name, pct) in new[] { ("crop_pct", result.CropPct), ("test_crop_pct", result.TestCropPct) })
        {
            if (pct is <= 0 or > 1)
                throw new WeightFormatException(fields.Source, p + name, $"is {pct}; expected a fraction in (0, 1]");
        }
        if (result.Std?.Any(static s => s <= 0) == true)
            throw new WeightFormatException(fields.Source, p + "std", "must be positive");
        foreach (var (name, values) in new[] { ("mean", result.Mean), ("std", result.Std) })
        {
            if (values is not null && inputSize is not null && values.Length != inputSize[0])
                throw new WeightFormatException(fields.Source, p + name, $"has {values.Length} values but input_size has {inputSize[0]} channels");
        }
        return result;
    }

    /// <summary>Typed access to JSON fields; absent or null fields are null unless required, wrong types are errors naming the field.</summary>
    private sealed class Fields(string source)
    {
        public string Source => source;

        public string? String(JsonObject o, string name, string path, bool required = false) =>
            Get(o, name, path, required) is { } v ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Wrong(path, "a string", v)) : null;

        public bool? Bool(JsonObject o, string name, string path) =>
            Get(o, name, path, false) is { } v ? (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : throw Wrong(path, "true or false", v)) : null;

        public int? Int(JsonObject o, string name, string path, bool required = false) =>
            Get(o, name, path, required) is { } v ? AsInt(v, path, min: 0) : null;

        public double? Double(JsonObject o, string name, string path) =>
            Get(o, name, path, false) is { } v ? AsDouble(v, path) : null;

        public JsonObject? Object(JsonObject o, string name, string path, bool required = false) =>
            Get(o, name, path, required) is { } v ? (v as JsonObject ?? throw Wrong(path, "an object", v)) : null;

        public int[]? PositiveInts(JsonObject o, string name, string path, bool required = false) =>
            Get(o, name, path, required) is { } v
                ? (v is JsonArray a && a.Count > 0 ? a.Select((x, i) => x is null ? throw Wrong($"{path}[{i}]", "a positive integer", x) : AsInt(x, $"{path}[{i}]", min: 1)).ToArray() : throw Wrong(path, "a non-empty array of positive integers", v))
                : null;

        public double[]? Doubles(JsonObject o, string name, string path) =>
            Get(o, name, path, false) is { } v
                ? (v is JsonArray a && a.Count > 0 ? a.Select((x, i) => x is null ? throw Wrong($"{path}[{i}]", "a number", x) : AsDouble(x, $"{path}[{i}]")).ToArray() : throw Wrong(path, "a non-empty array of numbers", v))
                : null;

        public string[]? Strings(JsonObject o, string name, string path, bool allowSingle)
        {
            var v = Get(o, name, path, false);
            if (v is null)
                return null;
            if (allowSingle && v.GetValueKind() == JsonValueKind.String)
                return [v.GetValue<string>()];
            if (v is not JsonArray a)
                throw Wrong(path, allowSingle ? "a string or an array of strings" : "an array of strings", v);
            return a.Select((x, i) => x is not null && x.GetValueKind() == JsonValueKind.String ? x.GetValue<string>() : throw Wrong($"{path}[{i}]", "a string", x)).ToArray();
        }

        private JsonNode? Get(JsonObject o, string name, string path, bool required)
        {
            var value = o[name];
            return value is null && required ? throw new WeightFormatException(source, path, "required field is missing") : value;
        }

        private int AsInt(JsonNode v, string path, int min)
        {
            if (v.GetValueKind() == JsonValueKind.Number && v is JsonValue value)
            {
                var d = value.GetValue<double>();
                if (double.IsInteger(d) && d >= min && d <= int.MaxValue)
                    return (int)d;
            }
            throw Wrong(path, min > 0 ? "a positive integer" : "a non-negative integer", v);
        }

        private double AsDouble(JsonNode v, string path) =>
            v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw Wrong(path, "a number", v);

        private WeightFormatException Wrong(string path, string expected, JsonNode? actual) =>
            new(source, path, $"expected {expected}, found {(actual is null ? "null" : actual.ToJsonString())}");
    }
}
