namespace GpuGen;

/// <summary>
/// One recorded op on the tape: its output, its inputs, and its backward rule, which maps the
/// gradient of the output to the gradients of the inputs (null where an input needs none).
/// Rules are written with ops, so that with createGraph they are recorded in turn and can be
/// differentiated again. After a backward without retainGraph the rule (and with it every
/// tensor it saved) is dropped, and the node refuses a second backward.
/// </summary>
internal sealed class GradNode(string op, Tensor output, Tensor[] inputs, Func<Tensor, bool[], Tensor?[]> backward)
{
    public string Op { get; } = op;
    public Tensor Output { get; } = output;
    public Tensor[] Inputs { get; private set; } = inputs;
    private Func<Tensor, bool[], Tensor?[]>? _backward = backward;

    public bool Released => _backward is null;

    /// <summary>Gradients of the inputs given the gradient of the output; needs[i] says which are wanted.</summary>
    public Tensor?[] Apply(Tensor gradOutput, bool[] needs)
    {
        if (_backward is null)
            throw new GpuGenException($"backward: the graph through '{Op}' was already released by an earlier backward; pass retainGraph: true to the first one to go through it twice");
        try
        {
            return _backward(gradOutput, needs);
        }
        catch (ObjectDisposedException e)
        {
            throw new GpuGenException($"backward of '{Op}': a tensor it saved was disposed before backward ran ({e.Message}); keep the step's tensors alive until after Backward", e);
        }
    }

    public void Release()
    {
        _backward = null;
        Inputs = [];
    }
}
