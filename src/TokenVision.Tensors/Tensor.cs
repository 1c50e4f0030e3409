using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using TokenVision.Tensors.Autograd;
using TokenVision.Tensors.Memory;

namespace TokenVision.Tensors;

/// <summary>
/// An n-dimensional array of <see cref="DType.Float32"/>, <see cref="DType.Int64"/> or <see cref="DType.Bool"/>
/// elements: a strided view onto reference-counted storage, with reverse-mode automatic differentiation.
/// </summary>
/// <remarks>
/// Views (reshape, permute, narrow, expand, ...) share storage and copy nothing. Operations return fresh tensors
/// and never dispose their inputs. Disposing a tensor releases its reference to the storage; tensors created inside
/// a <see cref="TensorScope"/> are disposed with it. Storage still needed by the autograd graph stays alive until
/// the backward pass has used it.
/// </remarks>
public sealed unsafe partial class Tensor : IDisposable
{
    private Storage _storage;
    private int[] _shape;
    private int[] _strides;
    private int _offset;
    private int _numel;
    private bool _disposed;
    private bool _requiresGrad;
    internal TensorScope? Scope;
    internal int ScopeIndex;

    private Tensor(Storage storage, int[] shape, int[] strides, int offset, bool register)
    {
        _storage = storage;
        _shape = shape;
        _strides = strides;
        _offset = offset;
        var n = 1L;
        foreach (var d in shape)
            n *= d;
        _numel = checked((int)n);
        if (register)
            TensorScope.Register(this);
    }

    // ---- construction (internal) -------------------------------------------------------------------------------

    /// <summary>A new contiguous tensor over fresh (uninitialised) pooled storage.</summary>
    internal static Tensor Empty(ReadOnlySpan<int> shape, DType dtype = DType.Float32) => Create(shape, dtype, deferredFill: null);

    /// <summary>A new tensor; with <paramref name="deferredFill"/> inside a deferred-allocation scope its storage is allocated on first use.</summary>
    private static Tensor Create(ReadOnlySpan<int> shape, DType dtype, float? deferredFill)
    {
        var dims = shape.ToArray();
        var n = 1L;
        foreach (var d in dims)
        {
            if (d < 0)
                throw new ArgumentException($"negative dimension in shape {FormatShape(dims)}");
            n *= d;
        }
        if (n > int.MaxValue)
            throw new ArgumentException($"shape {FormatShape(dims)} has more than {int.MaxValue} elements");
        var storage = deferredFill is { } fill && DeferredAllocation.IsActive
            ? Storage.Deferred(dtype, (int)n, fill)
            : Storage.Allocate(dtype, (int)n);
        return new Tensor(storage, dims, ContiguousStrides(dims), 0, register: true);
    }

    /// <summary>A tensor over existing storage, taking over one reference that the caller already added.</summary>
    internal static Tensor OverStorage(Storage storage, int[] shape, int[] strides, int offset) =>
        new(storage, shape, strides, offset, register: true);

    /// <summary>A view sharing this tensor's storage (adds a storage reference). No autograd is recorded.</summary>
    internal Tensor ViewOf(int[] shape, int[] strides, int offset)
    {
        ThrowIfDisposed();
        _storage.AddRef();
        return new Tensor(_storage, shape, strides, offset, register: true);
    }

    /// <summary>An unscoped handle to the same elements, used by autograd to keep saved tensors alive.</summary>
    internal Tensor SavedAlias()
    {
        ThrowIfDisposed();
        _storage.AddRef();
        return new Tensor(_storage, _shape, _strides, _offset, register: false);
    }

    // ---- metadata ----------------------------------------------------------------------------------------------

    /// <summary>The dimensions, e.g. <c>[B, N, C]</c>.</summary>
    public Shape Shape => Shape.Wrap(_shape);

    /// <summary>Element type.</summary>
    public DType DType => _storage.DType;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public int NumElements => _numel;

    /// <summary>Element strides of each dimension.</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Offset of the first element in the storage, in elements.</summary>
    public int StorageOffset => _offset;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[NormalizeDim(dim, Rank)];

    /// <summary>True when the elements are laid out row-major without gaps.</summary>
    public bool IsContiguous
    {
        get
        {
            var expected = 1;
            for (var i = _shape.Length - 1; i >= 0; i--)
            {
                if (_shape[i] == 1)
                    continue;
                if (_strides[i] != expected)
                    return false;
                expected *= _shape[i];
            }
            return true;
        }
    }

    /// <summary>True once <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>True while the tensor's storage was created deferred and has not been touched (see <see cref="DeferredAllocation"/>).</summary>
    public bool IsDeferred => _storage.IsDeferred;

    /// <summary>True when the storage is read-only (for example a memory-mapped weight file).</summary>
    public bool IsReadOnly => _storage.ReadOnly;

    internal int[] ShapeArray => _shape;

    internal int[] StrideArray => _strides;

    internal Storage Storage => _storage;

    /// <summary>Counts in-place modifications of the storage (shared by all views).</summary>
    internal int Version => _storage.Version;

    // ---- autograd ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Whether gradients flow to this tensor. Settable only on leaves (tensors no operation produced); results of
    /// operations on tensors that require grad require grad themselves.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!value && GradFn is not null)
                throw new InvalidOperationException("RequiresGrad can only be cleared on a leaf tensor; use Detach() for results of operations");
            if (value && DType != DType.Float32)
                throw new InvalidOperationException($"only float32 tensors can require gradients, not {DType.Name()}");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; null until then.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The operation that produced this tensor, or null for leaves.</summary>
    internal Node? GradFn { get; private set; }

    /// <summary>True for tensors no recorded operation produced.</summary>
    public bool IsLeaf => GradFn is null;

    internal void SetGradFn(Node node)
    {
        GradFn = node;
        _requiresGrad = true;
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and accumulates it into
    /// their <see cref="Grad"/>. <paramref name="gradient"/> is required unless this tensor has one element.
    /// The graph's saved tensors are freed afterwards unless <paramref name="retainGraph"/> is true.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        AutogradEngine.Run(this, gradient, retainGraph);

    /// <summary>A tensor sharing this one's elements but cut from the autograd graph.</summary>
    public Tensor Detach()
    {
        ThrowIfDisposed();
        return ViewOf(_shape, _strides, _offset);
    }

    // ---- element access ----------------------------------------------------------------------------------------

    /// <summary>Pointer to the first float32 element (the tensor's offset applied).</summary>
    internal float* FloatPtr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ThrowIfDisposed();
            if (DType != DType.Float32)
                ThrowDType(DType.Float32);
            return (float*)_storage.Pointer + _offset;
        }
    }

    /// <summary>Pointer to the first int64 element.</summary>
    internal long* LongPtr
    {
        get
        {
            ThrowIfDisposed();
            if (DType != DType.Int64)
                ThrowDType(DType.Int64);
            return (long*)_storage.Pointer + _offset;
        }
    }

    /// <summary>Pointer to the first bool element (one byte each, 0 or 1).</summary>
    internal byte* BoolPtr
    {
        get
        {
            ThrowIfDisposed();
            if (DType != DType.Bool)
                ThrowDType(DType.Bool);
            return _storage.Pointer + _offset;
        }
    }

    /// <summary>Pointer to the first element whatever the dtype.</summary>
    internal byte* RawPtr
    {
        get
        {
            ThrowIfDisposed();
            return _storage.Pointer + (long)_offset * DType.ElementSize();
        }
    }

    /// <summary>The elements of a contiguous float32 tensor.</summary>
    internal Span<float> FloatSpan
    {
        get
        {
            if (!IsContiguous)
                throw new InvalidOperationException($"tensor of shape {Shape} is not contiguous");
            return new Span<float>(FloatPtr, _numel);
        }
    }

    /// <summary>The single element of a one-element float32 tensor.</summary>
    public float Item()
    {
        if (_numel != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element, got shape {Shape}");
        return DType switch
        {
            DType.Float32 => *FloatPtr,
            DType.Int64 => *LongPtr,
            _ => *BoolPtr,
        };
    }

    /// <summary>The single element of a one-element int64 tensor.</summary>
    public long ItemInt64()
    {
        if (_numel != 1)
            throw new InvalidOperationException($"ItemInt64() needs a tensor with one element, got shape {Shape}");
        return DType switch
        {
            DType.Int64 => *LongPtr,
            DType.Bool => *BoolPtr,
            _ => throw new InvalidOperationException($"ItemInt64() needs an int64 or bool tensor, got {DType.Name()}"),
        };
    }

    /// <summary>Copies the elements, row-major, into a new float array (int64 and bool are converted).</summary>
    public float[] ToArray()
    {
        using var c = To(DType.Float32).Contiguous();
        return c.FloatSpan.ToArray();
    }

    /// <summary>Copies the elements of an int64 or bool tensor, row-major, into a new long array.</summary>
    public long[] ToInt64Array()
    {
        using var c = To(DType.Int64).Contiguous();
        return new ReadOnlySpan<long>(c.LongPtr, c._numel).ToArray();
    }

    /// <summary>Copies the elements, row-major, as booleans (non-zero is true).</summary>
    public bool[] ToBoolArray()
    {
        using var c = To(DType.Bool).Contiguous();
        var src = new ReadOnlySpan<byte>(c.BoolPtr, c._numel);
        var result = new bool[src.Length];
        for (var i = 0; i < src.Length; i++)
            result[i] = src[i] != 0;
        return result;
    }

    /// <summary>
    /// Makes this tensor share <paramref name="source"/>'s elements (storage, shape, strides), like torch's
    /// <c>set_</c>: used to load weights without copying (for example from a memory-mapped file). The autograd
    /// flag of this tensor is kept; gradients recorded before the swap refer to the old values.
    /// </summary>
    public void Set_(Tensor source)
    {
        ThrowIfDisposed();
        source.ThrowIfDisposed();
        if (source.DType != DType)
            throw new ArgumentException($"Set_: dtype {source.DType.Name()} differs from {DType.Name()}");
        source._storage.AddRef();
        var old = _storage;
        _storage = source._storage;
        _shape = (int[])source._shape.Clone();
        _strides = (int[])source._strides.Clone();
        _offset = source._offset;
        _numel = source._numel;
        old.Release();
    }

    // ---- lifetime ----------------------------------------------------------------------------------------------

    /// <summary>Releases this tensor's reference to its storage. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Scope?.Forget(this);
        _storage.Release();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfDisposed()
    {
        if (_disposed)
            ThrowDisposed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor), $"tensor of shape {FormatShape(_shape)} was used after it was disposed");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDType(DType expected) =>
        throw new InvalidOperationException($"expected a {expected.Name()} tensor, got {DType.Name()} of shape {Shape}");

    // ---- helpers -----------------------------------------------------------------------------------------------

    internal static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        var s = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    internal static int NormalizeDim(int dim, int rank)
    {
        var d = dim < 0 ? dim + rank : dim;
        if ((uint)d >= (uint)Math.Max(rank, 1) || (rank == 0 && d != 0))
            throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} out of range for a tensor of rank {rank}");
        return d;
    }

    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < shape.Length; i++)
        {
            if (i > 0)
                sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Formats shape, dtype and (for small tensors) the values.</summary>
    public override string ToString()
    {
        if (_disposed)
            return $"tensor(disposed, shape={FormatShape(_shape)})";
        var sb = new StringBuilder("tensor(");
        if (_numel <= 64)
        {
            var values = DType == DType.Float32 ? ToArray().Select(v => v.ToString("G6", CultureInfo.InvariantCulture))
                : ToInt64Array().Select(v => v.ToString(CultureInfo.InvariantCulture));
            sb.Append('[').Append(string.Join(", ", values)).Append("], ");
        }
        sb.Append("shape=").Append(FormatShape(_shape)).Append(", dtype=").Append(DType.Name());
        if (_requiresGrad)
            sb.Append(", requires_grad");
        return sb.Append(')').ToString();
    }
}
