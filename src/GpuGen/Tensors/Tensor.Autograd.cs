namespace GpuGen;

// A tensor's part in automatic differentiation (see Autograd).
public sealed partial class Tensor
{
    private bool _requiresGrad;

    /// <summary>
    /// Whether gradients flow to this tensor: set it on a leaf (a parameter, an input of a
    /// gradient penalty) before computing with it. An op's output tracks gradients when any of
    /// its inputs does; it is not a leaf and its flag cannot be set.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || Node is not null;
        set
        {
            if (Node is not null)
                throw new GpuGenException($"requiresGrad: {this} is the output of '{Node.Op}', not a leaf; use Detach() to start a new leaf");
            _requiresGrad = value;
        }
    }

    /// <summary>The gradient accumulated by <see cref="Backward"/> (leaves that require grad only).</summary>
    public Tensor? Grad { get; private set; }

    /// <summary>True when this tensor was not made by a recorded op.</summary>
    public bool IsLeaf => Node is null;

    internal GradNode? Node { get; set; }

    internal bool TracksGrad => RequiresGrad;

    /// <summary>
    /// Backpropagates from this tensor into the <see cref="Grad"/> of every leaf that requires
    /// grad (adding to what is there). A tensor of one element needs no <paramref name="gradOutput"/>.
    /// The graph is released afterwards unless <paramref name="retainGraph"/>; with
    /// <paramref name="createGraph"/> the accumulated gradients are themselves differentiable.
    /// </summary>
    public void Backward(Tensor? gradOutput = null, bool retainGraph = false, bool createGraph = false) =>
        Autograd.Backward(this, gradOutput, retainGraph || createGraph, createGraph);

    /// <summary>The same values (a view, no copy) cut off from the graph: a new leaf that does not require grad.</summary>
    public Tensor Detach()
    {
        Check.Alive("detach", "x", this);
        _storage.AddReference();
        return new Tensor(_storage, Offset, Shape);
    }

    /// <summary>Disposes and forgets the accumulated gradient.</summary>
    public void ClearGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    /// <summary>
    /// Adds <paramref name="g"/> into <see cref="Grad"/>. The gradient is always a tensor of this
    /// leaf's own, never <paramref name="g"/> itself: a backward rule hands one tensor to several
    /// inputs (the two inputs of an add both receive the output's gradient), so taking it would
    /// make two leaves share a gradient, and a later backward into one would change the other.
    /// Without createGraph the first gradient is copied and later ones are added in place. With
    /// createGraph the copy and the sum are recorded ops (so the gradient can be differentiated
    /// again), each sum a new tensor; a gradient that is replaced is disposed here, since the
    /// leaf was its only owner (the recorded sum needs no values of it to backpropagate).
    /// </summary>
    internal void AccumulateGrad(Tensor g, bool createGraph)
    {
        if (Grad is { Node: null } && !createGraph)
        {
            using (Autograd.NoGrad()) Ops.Axpy(1f, g, Grad);
            return;
        }
        Tensor next;
        using (createGraph ? GradMode.Force() : GradMode.Disable())
            next = Grad is null ? Ops.Clone(g) : Ops.Add(Grad, g);
        SetGrad(next);
    }

    /// <summary>Replaces the gradient (accumulation, an optimizer's zeroing, a test): the tensor
    /// now owns the new one and disposes the one it replaces.</summary>
    internal void SetGrad(Tensor? grad)
    {
        if (grad is not null) TensorScope.Release(grad);
        if (Grad is { } old && !ReferenceEquals(old, grad)) old.Dispose();
        Grad = grad;
    }
}
