using System.Text.Json;
using TokenVision.Models;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Models.Tests;

/// <summary>Every full-size manifest matches the registry model key for key, shape for shape, and in parameter count.</summary>
public class ManifestTests
{
    /// <summary>Manifests this build covers (all of them once every family is registered).</summary>
    public static readonly string[] Manifests =
    [
        "vit_tiny_patch16_224", "vit_small_patch16_224", "vit_base_patch16_224", "vit_large_patch16_224",
        "deit_tiny_distilled_patch16_224", "deit_small_distilled_patch16_224", "deit_base_distilled_patch16_224",
        "resnet18", "resnet34", "resnet50", "beit_base_patch16_224", "vit_b_16",
        "swin_tiny_patch4_window7_224", "swin_small_patch4_window7_224", "swin_base_patch4_window7_224", "swin_t",
        "mvitv2_tiny", "mvitv2_small", "mvitv2_base", "mvit_v2_s",
    ];

    public static TheoryData<string> AllManifests => new(Manifests);

    [SkippableTheory, MemberData(nameof(AllManifests))]
    public void StateDict_MatchesManifest(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Path(Path.Combine("manifests", name + ".json"))));
        var root = doc.RootElement;
        var expected = root.GetProperty("state_dict").EnumerateArray()
            .Select(e => (Key: e[0].GetString()!, Shape: e[1].EnumerateArray().Select(d => d.GetInt32()).ToArray())).ToList();
        var model = ModelRegistry.Create(name);
        var actual = model.StateDict().Select(kv => (kv.Key, Shape: kv.Value.Shape.ToArray())).ToList();
        var missing = expected.Select(e => e.Key).Except(actual.Select(a => a.Key)).ToList();
        var extra = actual.Select(a => a.Key).Except(expected.Select(e => e.Key)).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"{name}: missing [{string.Join(", ", missing.Take(10))}], unexpected [{string.Join(", ", extra.Take(10))}]");
        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape), $"{name}: {expected[i].Key} is [{string.Join(", ", actual[i].Shape)}], manifest [{string.Join(", ", expected[i].Shape)}]");
        Assert.Equal(root.GetProperty("param_count").GetInt64(), model.ParameterCount);
    }
}
