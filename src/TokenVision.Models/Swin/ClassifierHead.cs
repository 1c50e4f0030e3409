using TokenVision.Nn;
using TokenVision.Tensors;

namespace TokenVision.Models.Swin;

/// <summary>
/// timm's <c>ClassifierHead</c> for NHWC features: global average pool over H and W (or none), dropout, linear
/// classifier. Keys: <c>fc.*</c>.
/// </summary>
public sealed class ClassifierHead : Module<Tensor, Tensor>
{
    private readonly Generator _generator;

    /// <summary>Creates the head; <paramref name="numClasses"/> 0 makes the classifier Identity.</summary>
    public ClassifierHead(int inFeatures, int numClasses, string poolType, float dropRate, Generator generator)
    {
        if (poolType is not ("avg" or ""))
            throw new ArgumentException($"Swin: global_pool must be 'avg' or '', got '{poolType}'");
        InFeatures = inFeatures;
        PoolType = poolType;
        _generator = generator;
        Drop = Register("drop", new Dropout(dropRate));
        Fc = Register("fc", NewFc(numClasses));
    }

    /// <summary>Channels of the pooled features.</summary>
    public int InFeatures { get; }

    /// <summary>"avg" or "" (no pooling).</summary>
    public string PoolType { get; }

    /// <summary>Dropout before the classifier.</summary>
    public Dropout Drop { get; }

    /// <summary>The classifier (Identity without classes).</summary>
    public Module<Tensor, Tensor> Fc { get; private set; }

    /// <summary>Replaces the classifier with a freshly initialised one for <paramref name="numClasses"/> outputs.</summary>
    public void Reset(int numClasses) => Fc = ReplaceChild("fc", NewFc(numClasses));

    /// <summary>[B, H, W, C] → logits [B, classes].</summary>
    public override Tensor Forward(Tensor x) => Forward(x, preLogits: false);

    /// <summary>[B, H, W, C] → logits [B, classes], or the pooled features [B, C] when <paramref name="preLogits"/>.</summary>
    public Tensor Forward(Tensor x, bool preLogits)
    {
        using var pooled = PoolType == "avg" ? x.Mean([1, 2]) : x.Identity();
        using var dropped = Drop.Forward(pooled);
        return preLogits ? dropped.Identity() : Fc.Forward(dropped);
    }

    private Module<Tensor, Tensor> NewFc(int numClasses)
    {
        if (numClasses <= 0)
            return new Identity();
        var fc = new Linear(InFeatures, numClasses, _generator);
        Init.TruncNormal(fc.Weight, _generator);
        Init.Zeros(fc.Bias!);
        return fc;
    }
}
