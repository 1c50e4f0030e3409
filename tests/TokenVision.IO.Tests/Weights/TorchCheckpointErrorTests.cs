using System.Runtime.InteropServices;
using System.Text;
using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

/// <summary>Every way a PyTorch checkpoint can be refused, each with a generated file.</summary>
public sealed class TorchCheckpointErrorTests
{
    private static WeightFormatException Refused(TempDir dir, string name, byte[] bytes, string reason, StateDictOptions? options = null)
    {
        var path = dir.Write(name, bytes);
        var e = Assert.ThrowsAny<WeightFormatException>(() => TorchCheckpointReader.Open(path, options).Dispose());
        Assert.True(e.Message.Contains(reason, StringComparison.Ordinal), e.Message);
        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message);
        return e;
    }

    private static byte[] ZipWithPickle(byte[] pickle, params (string Name, byte[] Data)[] more) =>
        TorchSaveWriter.ZipRecords("archive", new[] { ("data.pkl", pickle) }.Concat(more).Append(("version", "3\n"u8.ToArray())));

    private static PickleBuilder Tensor(PickleBuilder p, string storageClass, string key, long numel, long offset, long[] size, long[] stride)
    {
        p.Global("torch._utils", "_rebuild_tensor_v2").Mark();
        p.Mark().String("storage").Global("torch", storageClass).String(key).String("cpu").Int(numel).Tuple().BinPersId();
        p.Int(offset);
        p.Mark();
        foreach (var s in size)
            p.Int(s);
        p.Tuple().Mark();
        foreach (var s in stride)
            p.Int(s);
        p.Tuple().Bool(false).Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return p.Tuple().Reduce();
    }

    private static byte[] OneTensorPickle(string storageClass, string key, long numel, long offset, long[] size, long[] stride) =>
        Tensor(new PickleBuilder().Proto(2).EmptyDict().String("w"), storageClass, key, numel, offset, size, stride).SetItem().Stop().ToArray();

    // ---- container errors ----------------------------------------------------------------------------------------

    [Fact]
    public void ZipWithoutDataPkl_IsRefused()
    {
        using var dir = new TempDir();
        Refused(dir, "nopkl.pth", TorchSaveWriter.ZipRecords("archive", [("version", "3\n"u8.ToArray())]), "no data.pkl");
    }

    [Fact]
    public void MissingStorageMember_IsRefused()
    {
        using var dir = new TempDir();
        var pickle = OneTensorPickle("FloatStorage", "0", 4, 0, [4], [1]);
        Refused(dir, "nostorage.pth", ZipWithPickle(pickle), "storage 'archive/data/0' is missing from the archive");
    }

    [Fact]
    public void StorageShorterThanItsId_IsRefused()
    {
        using var dir = new TempDir();
        var pickle = OneTensorPickle("FloatStorage", "0", 4, 0, [4], [1]);
        Refused(dir, "short.pth", ZipWithPickle(pickle, ("data/0", new byte[12])), "storage too short");
    }

    [Fact]
    public void TensorExtentBeyondItsStorage_IsRefusedNamingTheKey()
    {
        using var dir = new TempDir();
        var pickle = OneTensorPickle("FloatStorage", "0", 4, 2, [2, 2], [2, 1]);
        var e = Refused(dir, "extent.pth", ZipWithPickle(pickle, ("data/0", new byte[16])), "storage too short");
        Assert.Equal("w", e.Key);
        Assert.Contains("reach element 5", e.Message);
    }

    [Fact]
    public void HugeTensorOnASmallStorage_IsRefusedFromTheIdsAlone()
    {
        using var dir = new TempDir();
        // A 2^58-element tensor: the storage record would need 2^60 bytes; nothing is allocated for it.
        var pickle = OneTensorPickle("FloatStorage", "0", 1L << 58, 0, [1L << 58], [1]);
        Refused(dir, "huge.pth", ZipWithPickle(pickle, ("data/0", new byte[16])), "storage too short");
    }

    [Fact]
    public void SelfOverlappingView_IsRefused()
    {
        using var dir = new TempDir();
        // torch.ones(1).expand(1 << 40): stride 0 would expand a 4-byte storage into 4 TiB on read.
        var pickle = OneTensorPickle("FloatStorage", "0", 1, 0, [1L << 40], [0]);
        var e = Refused(dir, "expand.pth", ZipWithPickle(pickle, ("data/0", new byte[4])), "expanded (self-overlapping) view of 1099511627776 elements over 1 storage elements");
        Assert.Equal("w", e.Key);
    }

    [Fact]
    public void TruncatedZip_IsRefused()
    {
        using var dir = new TempDir();
        var bytes = TorchSaveWriter.Zip(TorchCheckpointTests.StateDict());
        foreach (var length in new[] { 10, 100, bytes.Length / 2, bytes.Length - 30, bytes.Length - 1 })
            Refused(dir, $"cut{length}.pth", bytes[..length], "zip");
    }

    [Fact]
    public void BigEndianByteOrderRecord_IsRefused()
    {
        using var dir = new TempDir();
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Stop().ToArray();
        Refused(dir, "be.pth", ZipWithPickle(pickle, ("byteorder", "big"u8.ToArray())), "only little-endian");
    }

    [Fact]
    public void TorchScriptArchive_IsRefusedClearly()
    {
        using var dir = new TempDir();
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Stop().ToArray();
        Refused(dir, "script.pt", ZipWithPickle(pickle, ("constants.pkl", pickle), ("code/__torch__.py", "x"u8.ToArray())), "TorchScript");
    }

    [Fact]
    public void LegacyTarAndForeignFiles_AreRefusedClearly()
    {
        using var dir = new TempDir();
        var tar = new byte[1024];
        Encoding.ASCII.GetBytes("ustar").CopyTo(tar, 257);
        Refused(dir, "old.tar", tar, "legacy tar checkpoint");
        Refused(dir, "text.pth", "hello world"u8.ToArray(), "not a PyTorch checkpoint");
        Refused(dir, "empty.pth", [], "empty file");
    }

    [Fact]
    public void LegacyWithTruncatedStorageData_IsRefused()
    {
        using var dir = new TempDir();
        var bytes = TorchSaveWriter.Legacy(TorchCheckpointTests.StateDict());
        Refused(dir, "legacy_cut.pth", bytes[..^5], "legacy storage");
        Refused(dir, "legacy_cut_pickle.pth", bytes[..200], "malformed pickle");
    }

    [Fact]
    public void StorageUsedWithTwoDTypes_IsRefused()
    {
        using var dir = new TempDir();
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark().String("a");
        Tensor(p, "FloatStorage", "0", 2, 0, [2], [1]).String("b");
        Tensor(p, "HalfStorage", "0", 2, 0, [2], [1]).SetItems().Stop();
        Refused(dir, "mixed.pth", ZipWithPickle(p.ToArray(), ("data/0", new byte[8])), "is used as F32[2] and as F16[2]");
    }

    [Fact]
    public void RootThatIsNotADict_IsRefused()
    {
        using var dir = new TempDir();
        var pickle = new PickleBuilder().Proto(2).EmptyList().Stop().ToArray();
        Refused(dir, "list.pth", ZipWithPickle(pickle), "checkpoint root is list[0], not a state dict");
    }

    // ---- malformed pickles ----------------------------------------------------------------------------------------

    public static TheoryData<string, byte[], string> MalformedPickles => new()
    {
        { "stack underflow", new PickleBuilder().Proto(2).EmptyDict().SetItem().Stop().ToArray(), "stack underflow" },
        { "underflow at STOP", new PickleBuilder().Proto(2).Stop().ToArray(), "stack underflow" },
        { "unknown opcode", new PickleBuilder().Proto(2).Op(0xFF).Stop().ToArray(), "unknown opcode 0xff" },
        { "memo miss", new PickleBuilder().Proto(2).Get(7).Stop().ToArray(), "memo miss: index 7" },
        { "no STOP", new PickleBuilder().Proto(2).EmptyDict().ToArray(), "truncated pickle" },
        { "length beyond the data", new PickleBuilder().Proto(2).Op((byte)'X').Raw([0xFF, 0xFF, 0xFF, 0x7F, 0x41]).Stop().ToArray(), "truncated pickle" },
        { "no MARK", new PickleBuilder().Proto(2).Op((byte)'t').Stop().ToArray(), "no MARK" },
        { "protocol 9", new PickleBuilder().Proto(9).Stop().ToArray(), "unsupported pickle protocol 9" },
        { "invalid UTF-8", new PickleBuilder().Proto(2).Op(0x8c).Raw([2, 0xC3, 0x28]).Stop().ToArray(), "not valid UTF-8" },
        { "SETITEMS on a list", new PickleBuilder().Proto(2).EmptyList().Mark().Int(1).Int(2).SetItems().Stop().ToArray(), "not a dict" },
        { "unhashable key", new PickleBuilder().Proto(2).EmptyDict().EmptyList().Int(1).SetItem().Stop().ToArray(), "unsupported dict key type list[0]" },
        { "REDUCE on a string", new PickleBuilder().Proto(2).String("x").EmptyTuple().Reduce().Stop().ToArray(), "not an allowed global" },
        { "storage class called", new PickleBuilder().Proto(2).Global("torch", "FloatStorage").EmptyTuple().Reduce().Stop().ToArray(), "only appear inside a persistent id" },
        { "tensor without storage", new PickleBuilder().Proto(2).Global("torch._utils", "_rebuild_tensor_v2").Mark().Int(0).Int(0).EmptyTuple().EmptyTuple().Bool(false).None().Tuple().Reduce().Stop().ToArray(), "not a persistent storage" },
        { "sets", new PickleBuilder().Proto(4).Op(0x8f).Stop().ToArray(), "sets are not supported" },
        { "persistent id of the wrong shape", new PickleBuilder().Proto(2).String("storage").BinPersId().Stop().ToArray(), "persistent id" },
        { "BUILD on a list", new PickleBuilder().Proto(2).EmptyList().EmptyDict().Build().Stop().ToArray(), "BUILD on list[0]" },
        { "text integer too long", new PickleBuilder().Proto(0).Op((byte)'I').Raw(Encoding.ASCII.GetBytes(new string('9', 5000) + "\n")).Stop().ToArray(), "text integer of 5000 characters" },
    };

    [Theory]
    [MemberData(nameof(MalformedPickles))]
    public void MalformedPickle_IsATypedErrorNamingFileAndMember(string description, byte[] pickle, string reason)
    {
        using var dir = new TempDir();
        var e = Refused(dir, "bad.pth", ZipWithPickle(pickle), reason);
        Assert.True(e.Message.Contains("archive/data.pkl", StringComparison.Ordinal), $"{description}: {e.Message}");
        Assert.IsNotType<DisallowedGlobalException>(e);
    }

    [Fact]
    public void MemoReferenceBomb_HitsTheAllocationBudget()
    {
        // A 64 KiB string memoised once, then encoded to bytes over and over: each REDUCE would allocate 64 KiB.
        var p = new PickleBuilder().Proto(2).EmptyList().Memoize().Mark();
        p.String(new string('x', 1 << 16));
        const int text = 1;
        for (var i = 0; i < 20000; i++)
            p.Global("_codecs", "encode").Get(text).String("latin1").Tuple(2).Reduce();
        var pickle = p.Appends().Stop().ToArray();
        using var dir = new TempDir();
        Refused(dir, "bomb.pth", ZipWithPickle(pickle), "allocation budget");
    }

    [Fact]
    public void DeeplyNestedContainers_AreRefusedWithoutOverflowingTheStack()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict();
        for (var i = 0; i < 100_000; i++)
            p.String("k").EmptyDict();
        for (var i = 0; i < 100_000; i++)
            p.SetItem();
        using var dir = new TempDir();
        Refused(dir, "deep.pth", ZipWithPickle(p.Stop().ToArray()), "deeper than 64 levels");
    }

    [Fact]
    public void SharedReferenceExplosion_IsRefused()
    {
        // d0 = {}; d(k+1) = {"a": dk, "b": dk}: 60 levels of sharing would unfold into 2^60 paths.
        var p = new PickleBuilder().Proto(2).EmptyDict();
        var previous = p.Put();
        for (var i = 0; i < 60; i++)
        {
            p.EmptyDict().Mark().String("a").Get(previous).String("b").Get(previous).SetItems();
            previous = p.Put();
        }
        using var dir = new TempDir();
        Refused(dir, "dag.pth", ZipWithPickle(p.Stop().ToArray()), "checkpoint");
    }

    // ---- refused globals -------------------------------------------------------------------------------------------

    public static TheoryData<string, string, string> RefusedGlobals => new()
    {
        { "os", "system", "protocol 0 GLOBAL + REDUCE" },
        { "posix", "system", "protocol 0 GLOBAL + REDUCE" },
        { "builtins", "eval", "GLOBAL" },
        { "builtins", "exec", "STACK_GLOBAL" },
        { "__main__", "Net", "GLOBAL" },
        { "subprocess", "Popen", "INST" },
        { "torch.nn.modules.linear", "Linear", "GLOBAL" },
        { "argparse", "Namespace", "GLOBAL" },
        { "numpy.core.multiarray", "scalar", "GLOBAL" },
        { "torch._utils", "_rebuild_from_type_v2", "GLOBAL" },
    };

    [Theory]
    [MemberData(nameof(RefusedGlobals))]
    public void DisallowedGlobal_IsRefusedNamingTheGlobalAndTheFile_AndNothingRuns(string module, string name, string how)
    {
        using var dir = new TempDir();
        var marker = dir.File("pwned");
        var p = new PickleBuilder();
        switch (how)
        {
            case "protocol 0 GLOBAL + REDUCE":
                p.Raw(Encoding.ASCII.GetBytes($"c{module}\n{name}\n(S'touch {marker}'\ntR."));
                break;
            case "STACK_GLOBAL":
                p.Proto(4).String(module, memoize: false).String(name, memoize: false).Op(0x93).String($"touch {marker}").Tuple(1).Reduce().Stop();
                break;
            case "INST":
                p.Mark().String($"touch {marker}", memoize: false).Raw(Encoding.ASCII.GetBytes($"i{module}\n{name}\n")).Stop();
                break;
            default:
                p.Proto(2).Global(module, name).String($"touch {marker}").Tuple(1).Reduce().Stop();
                break;
        }
        var path = dir.Write("evil.pth", ZipWithPickle(p.ToArray()));
        var e = Assert.Throws<DisallowedGlobalException>(() => TorchCheckpointReader.Open(path).Dispose());
        Assert.Equal(module, e.Module);
        Assert.Equal(name, e.Name);
        Assert.Contains($"'{module}.{name}'", e.Message);
        Assert.StartsWith(path, e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void DisallowedGlobal_IsReportedBeforeLaterDamage()
    {
        // The refused global comes first; the storage it would be combined with does not even exist.
        var p = new PickleBuilder().Proto(2).EmptyDict().String("w").Global("os", "system");
        var pickle = Tensor(p, "FloatStorage", "missing", 4, 0, [4], [1]).Tuple(1).Reduce().SetItem().Op(0xFF).ToArray();
        using var dir = new TempDir();
        var path = dir.Write("evil.pth", ZipWithPickle(pickle));
        Assert.Throws<DisallowedGlobalException>(() => TorchCheckpointReader.Open(path).Dispose());
    }

    [Fact]
    public void DisallowedGlobal_InLegacyFormat_IsRefused()
    {
        var legacy = TorchSaveWriter.Legacy(new TestDict());
        var evil = new PickleBuilder().Proto(2).Global("os", "system").String("echo").Tuple(1).Reduce().Stop().ToArray();
        // Replace the object pickle (the 4th, after magic, protocol and sys_info) with the payload.
        var start = IndexOfPickle(legacy, 3);
        var end = IndexOfPickle(legacy, 4);
        using var dir = new TempDir();
        var path = dir.Write("evil_legacy.pth", [.. legacy[..start], .. evil, .. legacy[end..]]);
        var e = Assert.Throws<DisallowedGlobalException>(() => TorchCheckpointReader.Open(path).Dispose());
        Assert.Equal("os", e.Module);
    }

    [Fact]
    public void AllowedTorchGlobals_BuildPlainData()
    {
        // torch.Size, torch.device, _codecs.encode (protocol-2 bytes) and an OrderedDict from pairs.
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .String("size").Global("torch", "Size").Int(3).Int(4).Tuple(2).Tuple(1).Reduce()
            .String("device").Global("torch", "device").String("cuda").Int(1).Tuple(2).Reduce()
            .String("blob").Global("_codecs", "encode").String("\u00ffab").String("latin1").Tuple(2).Reduce()
            .String("od").Global("collections", "OrderedDict").EmptyList().String("x").Int(1).Tuple(2).Op((byte)'a').Tuple(1).Reduce()
            .SetItems().Stop();
        using var dir = new TempDir();
        var path = dir.Write("plain.pth", ZipWithPickle(p.ToArray()));
        using var reader = TorchCheckpointReader.Open(path, new StateDictOptions { Key = "" });
        Assert.Empty(reader.Names);
        Assert.Equal(3L, reader.Values["size.0"]);
        Assert.Equal(4L, reader.Values["size.1"]);
        Assert.Equal("cuda:1", reader.Values["device"]);
        Assert.Equal(new byte[] { 0xFF, (byte)'a', (byte)'b' }, reader.Values["blob"]);
        Assert.Equal(1L, reader.Values["od.x"]);
    }

    private static int IndexOfPickle(byte[] bytes, int index)
    {
        // Pickles in the legacy stream start with PROTO 2 (0x80 0x02) right after the previous STOP.
        var found = 0;
        for (var i = 0; i + 1 < bytes.Length; i++)
        {
            if (bytes[i] == 0x80 && bytes[i + 1] == 2 && (i == 0 || bytes[i - 1] == (byte)'.'))
            {
                if (found++ == index)
                    return i;
            }
        }
        throw new InvalidOperationException("pickle not found");
    }
}
