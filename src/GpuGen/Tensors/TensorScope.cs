namespace GpuGen;

/// <summary>
/// Disposes, when it is disposed, every tensor created on this thread while it was the
/// innermost open scope, except those passed to <see cref="Keep"/>. Kept tensors move to the
/// enclosing scope, if there is one, so nesting works as expected:
/// <code>
/// using (var step = new TensorScope())
/// {
///     var loss = ...;              // intermediates made here are freed at the end
///     total = step.Keep(loss);     // survives the scope
/// }
/// </code>
/// Scopes must be closed in the reverse order they were opened (the using statement does that).
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _owned = [];
    private bool _closed;

    public TensorScope()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>The innermost open scope on this thread, if any.</summary>
    public static TensorScope? Current => _current;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _owned.Count;

    /// <summary>Takes <paramref name="tensor"/> out of this scope (into the enclosing one, if any) and returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        int i = _owned.LastIndexOf(tensor);
        if (i < 0) throw new InvalidOperationException($"scope: {tensor} does not belong to this scope");
        _owned.RemoveAt(i);
        _outer?._owned.Add(tensor);
        return tensor;
    }

    internal static void Track(Tensor tensor) => _current?._owned.Add(tensor);

    public void Dispose()
    {
        if (_closed) return;
        if (!ReferenceEquals(_current, this))
            throw new InvalidOperationException("scope: scopes must be disposed innermost first");
        _closed = true;
        _current = _outer;
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}
