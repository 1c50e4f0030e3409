using TokenVision.IO.Npy;
using TokenVision.Models;
using TokenVision.Tensors;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.Models.Tests;

/// <summary>
/// Every reference case in ../shared/fixtures/models loads from its folder alone and reproduces the stored logits,
/// features and pre-logits within |a - b| &lt;= 1e-4 max|ref| + 1e-4 |ref| (about 100x the measured float32 noise).
/// </summary>
public class ParityTests
{
    /// <summary>The fixture cases this build covers (all of them once every family is in the registry).</summary>
    public static readonly string[] Cases =
    [
        "vit", "vit_avgpool_noqkvbias", "vit_regtokens", "vit_dynsize", "deit_distilled",
        "resnet_basic", "resnet_bottleneck", "tv_vit",
        "swin", "tv_swin",
        "mvitv2", "tv_mvitv2_video",
    ];

    public static TheoryData<string> AllCases => new(Cases);

    [SkippableTheory, MemberData(nameof(AllCases))]
    public void Outputs_MatchReference(string name)
    {
        var dir = Fixtures.Path(Path.Combine("models", name));
        var loaded = ModelLoader.Load(dir);
        var model = loaded.Classifier;
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        var input = Npy.Load(Path.Combine(dir, "input.npy"));
        var features = model.ForwardFeatures(input);
        Compare(Path.Combine(dir, "features.npy"), features, $"{name} features");
        var logits = model.ForwardHead(features);
        Compare(Path.Combine(dir, "logits.npy"), logits, $"{name} logits");
        if (File.Exists(Path.Combine(dir, "pre_logits.npy")))
            Compare(Path.Combine(dir, "pre_logits.npy"), model.ForwardHead(features, preLogits: true), $"{name} pre_logits");
        using var full = loaded.Model.Forward(input);
        Compare(Path.Combine(dir, "logits.npy"), full, $"{name} forward");
        if (File.Exists(Path.Combine(dir, "input_native.npy")))
        {
            var native = Npy.Load(Path.Combine(dir, "input_native.npy"));
            Compare(Path.Combine(dir, "logits_native.npy"), loaded.Model.Forward(native), $"{name} native-size logits");
        }
    }

    [SkippableFact]
    public void ZeroCopyLoad_GivesTheSameLogits()
    {
        var dir = Fixtures.Path(Path.Combine("models", "vit"));
        var loaded = ModelLoader.Load(dir, zeroCopy: true);
        using var scope = TensorScope.Begin();
        using var noGrad = Grad.Disabled();
        var input = Npy.Load(Path.Combine(dir, "input.npy"));
        Compare(Path.Combine(dir, "logits.npy"), loaded.Model.Forward(input), "vit zero-copy logits");
        Assert.All(loaded.Model.Parameters(), p => Assert.True(p.IsReadOnly));
    }

    internal static void Compare(string referencePath, Tensor actual, string what)
    {
        var reference = NpyFile.Read(referencePath);
        Assert.True(reference.Shape.SequenceEqual(actual.Shape), $"{what}: shape {actual.Shape} vs reference [{string.Join(", ", reference.Shape)}]");
        var expected = reference.ToFloat32();
        var got = actual.ToArray();
        var maxRef = expected.Max(MathF.Abs);
        var worst = 0.0;
        var worstIndex = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var excess = Math.Abs(got[i] - expected[i]) - (1e-4 * maxRef + 1e-4 * Math.Abs(expected[i]));
            if (excess > worst)
            {
                worst = excess;
                worstIndex = i;
            }
        }
        Assert.True(worstIndex < 0,
            worstIndex < 0 ? "" : $"{what}: element {worstIndex} is {got[worstIndex]}, reference {expected[worstIndex]} (max |ref| {maxRef})");
    }
}

/// <summary>Reads .npy fixtures as engine tensors.</summary>
internal static class Npy
{
    public static Tensor Load(string path)
    {
        var a = NpyFile.Read(path);
        return Tensor.FromArray(a.ToFloat32(), a.Shape);
    }
}

public class DeferredLoadTests
{
    [SkippableFact]
    public void FolderLoad_NeverAllocatesTheParametersItReplaces()
    {
        var dir = Fixtures.Path(Path.Combine("models", "swin"));
        var loaded = ModelLoader.Load(dir, zeroCopy: true);
        Assert.All(loaded.Model.Parameters(), p => Assert.True(p.IsReadOnly, "every parameter shares the mapped file"));
        // Buffers computed at construction (Swin's relative-position index, shift masks) are real.
        Assert.All(loaded.Model.NamedBuffers(), b => Assert.False(b.Buffer.IsDeferred, $"{b.Name} was left unallocated"));
    }
}
