using System.Diagnostics;
using System.Text.Json;
using TokenVision.IO.Tests.Weights.Support;
using TokenVision.IO.Weights;
using TokenVision.TestSupport;
using Xunit;

namespace TokenVision.IO.Tests.Weights;

/// <summary>
/// Cross-checks against real PyTorch when <c>/usr/bin/python3</c> can import torch and CI is not set (skipped otherwise):
/// files written by <c>torch.save</c> are read here and compared value-for-value (float bits included) with what torch
/// reports, and files written by the test-side <see cref="TorchSaveWriter"/> are loaded by <c>torch.load(weights_only=True)</c>.
/// </summary>
public sealed class TorchCrossCheckTests
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import collections, json, sys, torch
        out = sys.argv[1]
        names = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int64: 'I64',
                 torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}

        def describe(sd):
            result = []
            for k, t in sd.items():
                if t.dtype.is_floating_point:
                    values = t.detach().float().contiguous().view(torch.int32).flatten().tolist()
                else:
                    values = t.detach().to(torch.int64).flatten().tolist()
                result.append({'name': k, 'dtype': names[t.dtype], 'shape': list(t.shape), 'values': values})
            return result

        torch.manual_seed(0)
        base = torch.randn(4, 6)
        net = torch.nn.Sequential(torch.nn.Linear(6, 3), torch.nn.BatchNorm1d(3), torch.nn.LayerNorm(3))
        sd = net.state_dict()
        sd['base'] = base
        sd['base_t'] = base.t()
        sd['slice'] = base[1:, 2:4]
        sd['step'] = base.view(-1)[1::2].view(3, 4)[:, ::3]
        sd['half'] = torch.tensor([1.0, -0.0, 65504, 6e-8, float('inf'), float('-inf'), float('nan'), 1e-5], dtype=torch.float16)
        sd['half_t'] = torch.randn(3, 5).half().t()
        sd['bf16'] = torch.tensor([1.0, -3.5, 1e-40, 3e38, float('inf')], dtype=torch.bfloat16)
        sd['f64'] = torch.tensor([1 / 3, 1e300, -1e-300], dtype=torch.float64)
        sd['i64'] = torch.tensor([2 ** 62, -5], dtype=torch.int64)
        sd['i32'] = torch.tensor([[-7, 2 ** 31 - 1]], dtype=torch.int32)
        sd['i16'] = torch.tensor([-300], dtype=torch.int16)
        sd['i8'] = torch.tensor([-128, 127], dtype=torch.int8)
        sd['u8'] = torch.tensor([255, 0], dtype=torch.uint8)
        sd['mask'] = torch.tensor([True, False, True])
        sd['scalar'] = torch.tensor(2.5)
        sd['empty'] = torch.zeros(0, 3)
        checkpoint = {'model': sd, 'epoch': 3, 'arch': 'mlp', 'best': 0.5}
        torch.save(checkpoint, out + '/zip.pth')
        torch.save(sd, out + '/legacy.pth', _use_new_zipfile_serialization=False)
        expected = {'torch': torch.__version__, 'state_dict': describe(sd)}

        loaded = {}
        for name in ('mirror.pth', 'mirror_legacy.pth'):
            obj = torch.load(out + '/' + name, weights_only=True)
            loaded[name] = describe(obj)
        expected['mirror'] = loaded
        json.dump(expected, open(out + '/expected.json', 'w'))
        """;

    [SkippableFact]
    public void RealTorchFiles_MatchTorchValueForValue_AndMirrorFilesLoadInTorch()
    {
        Skip.If(Fixtures.IsCi, "cross-check with a local PyTorch is skipped on CI");
        Skip.IfNot(File.Exists(Python), $"{Python} not found; PyTorch cross-check skipped");
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("mirror.pth"), TorchSaveWriter.Zip(TorchCheckpointTests.StateDict()));
        File.WriteAllBytes(dir.File("mirror_legacy.pth"), TorchSaveWriter.Legacy(TorchCheckpointTests.StateDict()));
        File.WriteAllText(dir.File("make.py"), Script);
        var (exit, error) = Run(dir.File("make.py"), dir.Path);
        Skip.If(exit != 0 && error.Contains("No module named 'torch'", StringComparison.Ordinal), "PyTorch is not installed; cross-check skipped");
        Assert.True(exit == 0, error);

        using var expected = JsonDocument.Parse(File.ReadAllText(dir.File("expected.json")));
        var stateDict = expected.RootElement.GetProperty("state_dict");
        using (var zip = TorchCheckpointReader.Open(dir.File("zip.pth")))
        {
            Assert.Equal(TorchCheckpointFormat.Zip, zip.Format);
            Assert.Equal("model", zip.StateDictPath);
            Assert.Equal(3L, zip.Values["epoch"]);
            Assert.Equal("mlp", zip.Values["arch"]);
            Compare(stateDict, zip);
            var root = Assert.IsType<CheckpointDict>(zip.Root);
            Assert.True(root.TryGetValue("model", out var model));
            Assert.NotNull(Assert.IsType<CheckpointDict>(model).Attributes);
        }
        using (var legacy = TorchCheckpointReader.Open(dir.File("legacy.pth")))
        {
            Assert.Equal(TorchCheckpointFormat.Legacy, legacy.Format);
            Compare(stateDict, legacy);
        }

        // torch.load(weights_only=True) accepted the test-side mirror files and saw the same tensors this reader sees.
        foreach (var name in new[] { "mirror.pth", "mirror_legacy.pth" })
        {
            using var reader = TorchCheckpointReader.Open(dir.File(name));
            Compare(expected.RootElement.GetProperty("mirror").GetProperty(name), reader);
        }
    }

    private static void Compare(JsonElement expected, ITensorSource reader)
    {
        var entries = expected.EnumerateArray().ToList();
        Assert.Equal(entries.Select(e => e.GetProperty("name").GetString()), reader.Names);
        foreach (var e in entries)
        {
            var name = e.GetProperty("name").GetString()!;
            var entry = reader.GetEntry(name);
            Assert.Equal(e.GetProperty("dtype").GetString(), entry.DType.SafetensorsName());
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), entry.Shape);
            if (entry.DType.IsFloatingPoint())
            {
                var bits = reader.ReadFloat32(name).Select(BitConverter.SingleToInt32Bits);
                Assert.Equal(e.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()), bits);
            }
            else
            {
                Assert.Equal(e.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()), reader.ReadInt64(name));
            }
        }
    }

    private static (int Exit, string Error) Run(string script, string output)
    {
        var start = new ProcessStartInfo(Python, [script, output])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python did not finish within 3 minutes");
        }
        return (process.ExitCode, stderr.Result + stdout.Result);
    }
}
