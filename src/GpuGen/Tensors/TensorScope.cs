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
    public int Count => _owned.Count(t => ReferenceEquals(t.Scope, this));

    /// <summary>Takes <paramref name="tensor"/> out of this scope (into the enclosing one, if any) and returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (!ReferenceEquals(tensor.Scope, this)) throw new InvalidOperationException($"scope: {tensor} does not belong to this scope");
        tensor.Scope = null;
        _outer?.Adopt(tensor);
        return tensor;
    }

    /// <summary>Takes a tensor out of whatever scope owns it: its owner is now its holder (a
    /// parameter's gradient, an optimizer's state), which disposes it.</summary>
    public static void Release(Tensor tensor) => tensor.Scope = null;

    internal static void Track(Tensor tensor) => _current?.Adopt(tensor);

    private void Adopt(Tensor tensor)
    {
        tensor.Scope = this;
        _owned.Add(tensor);
    }

    public void Dispose()
    {
        if (_closed) return;
        if (!ReferenceEquals(_current, this))
            throw new InvalidOperationException("scope: scopes must be disposed innermost first");
        _closed = true;
        _current = _outer;
        for (int i = _owned.Count - 1; i >= 0; i--)
            if (ReferenceEquals(_owned[i].Scope, this)) _owned[i].Dispose(); // kept or released ones have left
        _owned.Clear();
    }
}
