using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace TokenVision.IO.Weights;

/// <summary>
/// Reads a PyTorch checkpoint (<c>.pth</c>, <c>.pt</c>, <c>.bin</c>) without executing it: the zip archive <c>torch.save</c>
/// writes since 1.6, or the older legacy stream. The pickle runs in <see cref="PickleMachine"/>, which allows only
/// <c>collections.OrderedDict</c>, the <c>torch._utils._rebuild_tensor*</c>/<c>_rebuild_parameter*</c> functions, the
/// <c>torch.*Storage</c> classes, <c>torch.Size</c>, <c>torch.device</c>, <c>torch.serialization._get_layout</c> and the
/// protocol-2 <c>bytes</c> helpers; any other global is refused with <see cref="DisallowedGlobalException"/>.
/// </summary>
/// <remarks>
/// Storages resolve through persistent ids <c>('storage', torch.FloatStorage, key, location, numel)</c> to the zip member
/// <c>&lt;archive&gt;/data/&lt;key&gt;</c> (or the legacy record). Every tensor anywhere in the checkpoint is validated when it is
/// opened: its strided extent must lie inside its storage, it may not have more elements than that extent (no expanded
/// stride-0 views), and the storage must hold the bytes its id declares. Contiguous tensors in stored members are served
/// from the memory mapping without copying; strided views are materialised row-major on read.
/// </remarks>
public sealed class TorchCheckpointReader : ITensorSource
{
    private static readonly BigInteger s_legacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    private const int MaxNesting = 64;

    private readonly MappedFile _file;
    private readonly Dictionary<string, StorageSlot> _storages;
    private readonly TorchTensorInfo[] _tensors;
    private readonly TensorEntryIndex _index;

    private TorchCheckpointReader(MappedFile file, TorchCheckpointFormat format, object? root, Dictionary<string, StorageSlot> storages,
        string stateDictPath, List<(string Name, TorchTensorInfo Tensor)> tensors, IReadOnlyDictionary<string, object?> values)
    {
        _file = file;
        Format = format;
        Root = root;
        _storages = storages;
        StateDictPath = stateDictPath;
        Values = values;
        _tensors = tensors.Select(static t => t.Tensor).ToArray();
        _index = new TensorEntryIndex(tensors.Select(static t => new TensorEntry(t.Name, t.Tensor.DType, t.Tensor.Shape, t.Tensor.ElementCount * t.Tensor.DType.ItemSize())).ToArray());
    }

    /// <inheritdoc />
    public string FilePath => _file.Path;

    /// <summary>Zip archive or legacy stream.</summary>
    public TorchCheckpointFormat Format { get; }

    /// <summary>
    /// The whole unpickled checkpoint as plain data: <see cref="CheckpointDict"/>, <see cref="List{T}"/> (list),
    /// <see cref="object"/>[] (tuple), <see cref="string"/>, <see cref="long"/>, <see cref="BigInteger"/>, <see cref="double"/>,
    /// <see cref="bool"/>, <see cref="byte"/>[], null, <see cref="TorchTensorInfo"/> and <see cref="TorchStorageInfo"/>.
    /// </summary>
    public object? Root { get; }

    /// <summary>Dotted path of the state dict whose tensors this reader lists (<c>""</c> for the root, else e.g. <c>model</c>).</summary>
    public string StateDictPath { get; }

    /// <summary>Every non-tensor leaf of the checkpoint by dotted path in pickle order (e.g. <c>epoch</c> → 3L, <c>arch</c> → "vit_base"); list items use their index.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Names => _index.Names;

    /// <inheritdoc />
    public IReadOnlyList<TensorEntry> Entries => _index.Entries;

    /// <summary>Opens and validates <paramref name="path"/>; the reader owns the file mapping until disposed.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Which sub-dict is the state dict; <see cref="StateDictOptions.Default"/> when null.</param>
    /// <exception cref="DisallowedGlobalException">The pickle names a global outside the allow-list.</exception>
    /// <exception cref="WeightFormatException">The file is truncated, malformed or inconsistent; the message names the file and what.</exception>
    public static TorchCheckpointReader Open(string path, StateDictOptions? options = null)
    {
        options ??= StateDictOptions.Default;
        var file = MappedFile.Open(path);
        try
        {
            var head = file.Span(0, Math.Min(file.Length, 512));
            Loaded loaded;
            if (head.Length == 0)
                throw new WeightFormatException(path, null, "empty file");
            if (head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith("PK\u0005\u0006"u8))
                loaded = LoadZip(file);
            else if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
                throw new WeightFormatException(path, null, "legacy tar checkpoint (PyTorch < 0.4) is not supported; re-save it with a current torch.save");
            else if (head[0] == 0x80)
                loaded = LoadLegacy(file);
            else
                throw new WeightFormatException(path, null, "not a PyTorch checkpoint: neither a zip archive nor a legacy pickle stream");

            var values = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            // A tree costs one visit per pushed value, and each push costs at least one pickle byte; more means shared references.
            var walker = new Walker(path, loaded.Storages, values, 4 * loaded.PickleLength + 1024);
            walker.Visit(loaded.Root, "", 0);

            var (stateDictPath, dict) = StateDictLocator.Select(path, loaded.Root, options);
            var tensors = new List<(string, TorchTensorInfo)>();
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, tensor) in walker.Tensors(dict))
            {
                var key = options.StripModulePrefix && name.StartsWith("module.", StringComparison.Ordinal) ? name["module.".Length..] : name;
                if (!names.TryAdd(key, name))
                    throw new WeightFormatException(path, key, $"two tensors map to this name ('{names[key]}' and '{name}')");
                tensors.Add((key, tensor));
            }
            return new TorchCheckpointReader(file, loaded.Format, loaded.Root, loaded.Storages, stateDictPath, tensors, values);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The strided layout of tensor <paramref name="name"/> (storage, offset, strides).</summary>
    public TorchTensorInfo GetTensorInfo(string name) => _tensors[IndexOf(name)];

    /// <inheritdoc />
    public bool Contains(string name) => _index.Contains(name);

    /// <inheritdoc />
    public bool TryGetEntry(string name, [MaybeNullWhen(false)] out TensorEntry entry) => _index.TryGetEntry(name, out entry);

    /// <inheritdoc />
    public TensorEntry GetEntry(string name) => TryGetEntry(name, out var entry) ? entry : throw TensorReads.Missing(FilePath, name);

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var i = IndexOf(name);
        var entry = _index[i];
        var tensor = _tensors[i];
        var length = TensorReads.SpanLength(FilePath, entry);
        if (length == 0)
            return ReadOnlySpan<byte>.Empty;
        var item = tensor.DType.ItemSize();
        var slot = _storages[tensor.Storage.Key];
        if (tensor.IsContiguous)
            return StorageBytes(slot, tensor.StorageOffset * item, length);
        // Strided view: copy element by element (runs along the last dimension when it is unit-stride).
        var extent = (Walker.LastElement(tensor) - tensor.StorageOffset + 1) * item;
        if (extent > int.MaxValue)
            throw new WeightFormatException(FilePath, name, $"strided view spans {extent} bytes of its storage, more than one span can hold");
        var source = StorageBytes(slot, tensor.StorageOffset * item, extent);
        var output = new byte[length];
        Gather(source, output, tensor.Shape, tensor.Strides, item);
        return output;
    }

    /// <inheritdoc />
    public void CopyBytes(string name, Span<byte> destination) => TensorReads.CopyBytes(this, name, destination);

    /// <inheritdoc />
    public float[] ReadFloat32(string name) => TensorReads.ReadFloat32(this, name);

    /// <inheritdoc />
    public void ReadFloat32(string name, Span<float> destination) => TensorReads.ReadFloat32(this, name, destination);

    /// <inheritdoc />
    public long[] ReadInt64(string name) => TensorReads.ReadInt64(this, name);

    /// <inheritdoc />
    public bool TryGetMappedView(string name, out MappedTensorView view)
    {
        var i = IndexOf(name);
        var tensor = _tensors[i];
        var slot = _storages[tensor.Storage.Key];
        if (!tensor.IsContiguous || slot.FileOffset < 0)
        {
            view = default;
            return false;
        }
        // An empty tensor may carry any storage offset; point its (zero-length) view at the storage start.
        var offset = slot.FileOffset + (_index[i].ByteLength == 0 ? 0 : tensor.StorageOffset * tensor.DType.ItemSize());
        view = new MappedTensorView(_file.Address(offset), offset, _index[i].ByteLength);
        return true;
    }

    /// <inheritdoc />
    public bool TryGetFloat32Memory(string name, out ReadOnlyMemory<float> memory)
    {
        if (!TryGetMappedView(name, out var view) || GetEntry(name).DType != WeightDType.F32 || !view.IsAligned(4) || view.ByteLength / 4 > int.MaxValue)
        {
            memory = default;
            return false;
        }
        memory = _file.Float32Memory(view.FileOffset, (int)(view.ByteLength / 4));
        return true;
    }

    /// <summary>Releases the mapping; spans and views taken from this reader become invalid.</summary>
    public void Dispose() => _file.Dispose();

    /// <summary>A dict key as used in dotted paths: strings as-is, numbers in Python's spelling.</summary>
    internal static string KeyText(object? key) => key switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        BigInteger b => b.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        null => "None",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        object?[] t => "(" + string.Join(", ", t.Select(KeyText)) + ")",
        _ => PickleMachine.Describe(key),
    };

    private int IndexOf(string name) => _index.PositionOf(FilePath, name);

    private ReadOnlySpan<byte> StorageBytes(StorageSlot slot, long offset, long length)
    {
        if (slot.FileOffset >= 0)
            return _file.Span(slot.FileOffset + offset, length);
        slot.Inflated ??= ZipDirectory.ReadAll(_file, slot.Member!);
        return slot.Inflated.AsSpan((int)offset, (int)length);
    }

    private static void Gather(ReadOnlySpan<byte> source, Span<byte> output, long[] shape, long[] strides, int item)
    {
        var rank = shape.Length;
        var index = new long[rank];
        var inner = rank == 0 ? 1 : shape[rank - 1];
        var innerStride = rank == 0 ? 0 : strides[rank - 1];
        var runs = output.Length / item / inner;
        var written = 0;
        for (long run = 0; run < runs; run++)
        {
            long start = 0;
            for (var d = 0; d < rank - 1; d++)
                start += index[d] * strides[d];
            if (innerStride == 1)
            {
                var bytes = (int)(inner * item);
                source.Slice((int)(start * item), bytes).CopyTo(output[written..]);
                written += bytes;
            }
            else
            {
                for (long k = 0; k < inner; k++)
                {
                    source.Slice((int)((start + k * innerStride) * item), item).CopyTo(output[written..]);
                    written += item;
                }
            }
            for (var d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                    break;
                index[d] = 0;
            }
        }
    }

    // ---- zip archive -------------------------------------------------------------------------------------------

    private static Loaded LoadZip(MappedFile file)
    {
        var path = file.Path;
        var members = ZipDirectory.Read(file);
        var byName = members.ToDictionary(static m => m.Name, StringComparer.Ordinal);
        var pickles = members.Where(static m => m.Name == "data.pkl" || (m.Name.EndsWith("/data.pkl", StringComparison.Ordinal) && m.Name.IndexOf('/') == m.Name.Length - "/data.pkl".Length)).ToList();
        if (pickles.Count == 0)
            throw new WeightFormatException(path, null, "zip archive has no data.pkl: not a torch.save checkpoint");
        if (pickles.Count > 1)
            throw new WeightFormatException(path, null, $"zip archive has several data.pkl members ({string.Join(", ", pickles.Select(static m => m.Name))})");
        var prefix = pickles[0].Name[..^"data.pkl".Length];
        if (byName.ContainsKey(prefix + "constants.pkl") || members.Any(m => m.Name.StartsWith(prefix + "code/", StringComparison.Ordinal)))
            throw new WeightFormatException(path, null, "TorchScript archive (torch.jit.save) is a program, not a state-dict checkpoint; save model.state_dict() with torch.save");
        if (byName.TryGetValue(prefix + "byteorder", out var byteOrder))
        {
            var order = Encoding.ASCII.GetString(ZipDirectory.ReadAll(file, byteOrder)).Trim();
            if (order != "little")
                throw new WeightFormatException(path, null, $"byteorder record says '{order}'; only little-endian checkpoints are supported");
        }

        var storages = new Dictionary<string, StorageSlot>(StringComparer.Ordinal);
        var pickle = ZipDirectory.ReadAll(file, pickles[0]);
        PickleMachine? machine = null;
        machine = new PickleMachine(path, pickles[0].Name, pid =>
        {
            var (info, isNew) = ParseStorageId(path, machine!, storages, pid, legacy: false);
            if (!isNew)
                return info;
            var name = prefix + "data/" + info.Key;
            if (!byName.TryGetValue(name, out var member))
                throw new WeightFormatException(path, null, $"storage '{name}' is missing from the archive");
            if (member.UncompressedSize < info.ByteLength)
                throw new WeightFormatException(path, null, $"storage '{name}' holds {member.UncompressedSize} bytes but its id declares {info.ElementCount} {info.DType.SafetensorsName()} elements ({info.ByteLength} bytes): storage too short");
            storages[info.Key] = new StorageSlot(info, member.IsStored ? member.DataOffset : -1, member.IsStored ? null : member);
            return info;
        }, pickle.Length);
        var position = 0;
        var root = machine.Load(pickle, ref position);
        return new Loaded(TorchCheckpointFormat.Zip, root, storages, pickle.Length);
    }

    // ---- legacy stream -----------------------------------------------------------------------------------------

    private static Loaded LoadLegacy(MappedFile file)
    {
        var path = file.Path;
        var data = file.Span(0, Math.Min(file.Length, int.MaxValue));
        var position = 0;
        var magic = new PickleMachine(path, "legacy magic number", null, data.Length).Load(data, ref position);
        if (magic is not BigInteger m || m != s_legacyMagic)
            throw new WeightFormatException(path, null, $"legacy stream has magic number {PickleMachine.Describe(magic)}, not PyTorch's");
        var protocol = new PickleMachine(path, "legacy protocol version", null, data.Length).Load(data, ref position);
        if (protocol is not 1001L)
            throw new WeightFormatException(path, null, $"legacy protocol version {PickleMachine.Describe(protocol)} is not supported (expected 1001)");
        var sysInfo = new PickleMachine(path, "legacy system info", null, data.Length).Load(data, ref position);
        if (sysInfo is CheckpointDict info && info.TryGetValue("little_endian", out var little) && little is false)
            throw new WeightFormatException(path, null, "big-endian legacy checkpoint is not supported");

        var storages = new Dictionary<string, StorageSlot>(StringComparer.Ordinal);
        PickleMachine? machine = null;
        machine = new PickleMachine(path, "legacy object pickle", pid =>
        {
            var (storage, isNew) = ParseStorageId(path, machine!, storages, pid, legacy: true);
            if (isNew)
                storages[storage.Key] = new StorageSlot(storage, -1, null);
            return storage;
        }, data.Length);
        var objectStart = position;
        var root = machine.Load(data, ref position);
        var pickleLength = position - objectStart;
        var keys = new PickleMachine(path, "legacy storage key list", null, data.Length).Load(data, ref position);
        if (keys is not List<object?> keyList || keyList.Any(static k => k is not string))
            throw new WeightFormatException(path, null, $"legacy storage key list is {PickleMachine.Describe(keys)}, not a list of strings");

        // Storages follow in key-list order, each as an int64 element count and its bytes.
        long offset = position;
        foreach (var key in keyList.Cast<string>())
        {
            if (!storages.TryGetValue(key, out var slot))
                throw new WeightFormatException(path, null, $"legacy storage '{key}' is listed but no tensor refers to it");
            if (slot.FileOffset >= 0)
                throw new WeightFormatException(path, null, $"legacy storage '{key}' is listed twice");
            if (file.Length - offset < 8)
                throw new WeightFormatException(path, null, $"legacy storage '{key}' is truncated: its element count lies beyond the {file.Length}-byte file");
            var count = ElementConversion.ReadInt64(file.Span(offset, 8));
            if (count != slot.Info.ElementCount)
                throw new WeightFormatException(path, null, $"legacy storage '{key}' holds {count} elements but its id declares {slot.Info.ElementCount}");
            var bytes = slot.Info.ByteLength;
            if (bytes > file.Length - offset - 8)
                throw new WeightFormatException(path, null, $"legacy storage '{key}' needs {bytes} bytes at offset {offset + 8} but the file has {file.Length} bytes: storage too short (truncated file?)");
            storages[key] = slot with { FileOffset = offset + 8 };
            offset += 8 + bytes;
        }
        var unlisted = storages.Values.FirstOrDefault(static s => s.FileOffset < 0);
        if (unlisted is not null)
            throw new WeightFormatException(path, null, $"legacy storage '{unlisted.Info.Key}' is used by a tensor but has no data record");
        return new Loaded(TorchCheckpointFormat.Legacy, root, storages, pickleLength);
    }

    /// <summary>Validates <c>('storage', storage_type, key, location, numel[, view_metadata])</c> and returns the (possibly shared) storage.</summary>
    private static (TorchStorageInfo Info, bool IsNew) ParseStorageId(string path, PickleMachine machine, Dictionary<string, StorageSlot> storages, object? pid, bool legacy)
    {
        if (pid is object?[] { Length: > 0 } t && t[0] is "module")
            throw machine.Malformed("the checkpoint stores a whole nn.Module (legacy source record); only state dicts are supported");
        if (pid is not object?[] id || id.Length != (legacy ? 6 : 5) || id[0] is not "storage")
            throw machine.Malformed($"persistent id {PickleMachine.Describe(pid)} is not ('storage', type, key, location, numel{(legacy ? ", view" : "")})");
        if (id[1] is not PickleGlobal { Kind: PickleGlobalKind.Storage } type)
            throw machine.Malformed($"persistent id storage type is {PickleMachine.Describe(id[1])}");
        if (id[2] is not string key || id[3] is not string location || id[4] is not long numel || numel < 0)
            throw machine.Malformed("persistent id needs a string key, a string location and a non-negative element count");
        if (legacy && id[5] is not null)
            throw machine.Malformed($"legacy storage views (storage '{key}', PyTorch < 0.4) are not supported");
        if (numel > long.MaxValue / 8)
            throw machine.Malformed($"storage '{key}' declares {numel} elements");
        if (storages.TryGetValue(key, out var existing))
        {
            if (existing.Info.DType != type.StorageDType || existing.Info.ElementCount != numel)
                throw machine.Malformed($"storage '{key}' is used as {existing.Info.DType.SafetensorsName()}[{existing.Info.ElementCount}] and as {type.StorageDType.SafetensorsName()}[{numel}]");
            return (existing.Info, false);
        }
        return (new TorchStorageInfo(key, type.StorageDType, numel, location), true);
    }

    private sealed record Loaded(TorchCheckpointFormat Format, object? Root, Dictionary<string, StorageSlot> Storages, long PickleLength);

    /// <summary>Where a storage's bytes are: at <paramref name="FileOffset"/> in the mapping, or (when -1) in a compressed zip member.</summary>
    private sealed record StorageSlot(TorchStorageInfo Info, long FileOffset, ZipMember? Member)
    {
        public byte[]? Inflated { get; set; }
    }

    /// <summary>Walks the unpickled object graph with bounded depth and work, validating tensors and collecting non-tensor leaves.</summary>
    private sealed class Walker(string path, Dictionary<string, StorageSlot> storages, OrderedDictionary<string, object?> values, long budget)
    {
        private readonly HashSet<TorchTensorInfo> _validated = new(ReferenceEqualityComparer.Instance);
        private long _budget = budget;

        public void Visit(object? node, string at, int depth)
        {
            Spend(at, depth);
            switch (node)
            {
                case TorchTensorInfo tensor:
                    Validate(tensor, at);
                    break;
                case CheckpointDict dict:
                    foreach (var (key, value) in dict)
                        Visit(value, Join(at, KeyText(key)), depth + 1);
                    break;
                case List<object?> list:
                    for (var i = 0; i < list.Count; i++)
                        Visit(list[i], Join(at, i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                    break;
                case object?[] tuple:
                    for (var i = 0; i < tuple.Length; i++)
                        Visit(tuple[i], Join(at, i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                    break;
                default:
                    values.TryAdd(at, node);
                    break;
            }
        }

        /// <summary>All tensors under <paramref name="dict"/> with dotted names (nested dicts and lists flattened), in order.</summary>
        public List<(string Name, TorchTensorInfo Tensor)> Tensors(CheckpointDict dict)
        {
            var result = new List<(string, TorchTensorInfo)>();
            void Collect(object? node, string at, int depth)
            {
                Spend(at, depth);
                switch (node)
                {
                    case TorchTensorInfo tensor:
                        result.Add((at, tensor));
                        break;
                    case CheckpointDict d:
                        foreach (var (key, value) in d)
                            Collect(value, Join(at, KeyText(key)), depth + 1);
                        break;
                    case IReadOnlyList<object?> items:
                        for (var i = 0; i < items.Count; i++)
                            Collect(items[i], Join(at, i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                        break;
                }
            }
            Collect(dict, "", 0);
            return result;
        }

        /// <summary>Index of the last storage element a non-empty strided view touches.</summary>
        public static long LastElement(TorchTensorInfo tensor)
        {
            var last = tensor.StorageOffset;
            for (var d = 0; d < tensor.Shape.Length; d++)
                last = checked(last + checked((tensor.Shape[d] - 1) * tensor.Strides[d]));
            return last;
        }

        private void Spend(string at, int depth)
        {
            if (depth > MaxNesting)
                throw new WeightFormatException(path, at, $"checkpoint nesting is deeper than {MaxNesting} levels");
            if (--_budget < 0)
                throw new WeightFormatException(path, at, "checkpoint object graph expands beyond its size (shared references)");
        }

        private void Validate(TorchTensorInfo tensor, string at)
        {
            if (!_validated.Add(tensor))
                return;
            var shapeText = TensorEntry.FormatShape(tensor.Shape);
            var strideText = TensorEntry.FormatShape(tensor.Strides);
            long count;
            long last;
            try
            {
                count = 1;
                foreach (var size in tensor.Shape)
                    count = checked(count * size);
                _ = checked(count * tensor.DType.ItemSize());
                last = count == 0 ? -1 : LastElement(tensor);
            }
            catch (OverflowException)
            {
                throw new WeightFormatException(path, at, $"size {shapeText} stride {strideText} overflows");
            }
            if (count == 0)
                return;
            if (last >= tensor.Storage.ElementCount)
                throw new WeightFormatException(path, at, $"storage too short: size {shapeText}, stride {strideText}, offset {tensor.StorageOffset} reach element {last} but storage '{tensor.Storage.Key}' has {tensor.Storage.ElementCount}");
            // Materialising must stay within the storage's size: an expanded (stride-0, broadcast) view could otherwise turn
            // a 4-byte storage into terabytes. Views that touch each element at most once always pass.
            var span = last - tensor.StorageOffset + 1;
            if (count > span)
                throw new WeightFormatException(path, at, $"size {shapeText} stride {strideText} is an expanded (self-overlapping) view of {count} elements over {span} storage elements, which is not supported");
            if (!storages.ContainsKey(tensor.Storage.Key))
                throw new WeightFormatException(path, at, $"storage '{tensor.Storage.Key}' has no data");
        }

        private static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;
    }
}
