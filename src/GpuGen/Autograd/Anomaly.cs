namespace GpuGen;

/// <summary>
/// Anomaly detection, as PyTorch's <c>torch.autograd.detect_anomaly</c>: while enabled (see
/// <see cref="Autograd.DetectAnomaly"/>), the output of every differentiable op and every
/// gradient a backward rule returns is checked for NaN and infinity, and the first one found
/// is an error naming the op, forward or backward, and its input shapes.
///
/// Why each check names the right op: forward checks run as each op finishes, so the first
/// non-finite output is caught at the op that made it; if that op's inputs were already
/// non-finite, they came from outside the checked ops (a parameter an optimizer step broke, the
/// data), and the error says so. Backward rules run in reverse topological order and each
/// gradient is checked as it is returned, so the gradient reaching a rule is finite; ops a rule
/// runs inside itself are checked too and named as part of that rule.
///
/// Cost: one device reduction (max |x|) and a one-float read back per checked tensor, which
/// waits for the device: a debugging mode (perf/ measures it), off by default.
/// </summary>
internal static class Anomaly
{
    [ThreadStatic] private static int _depth;
    [ThreadStatic] private static bool _checking;
    [ThreadStatic] private static GradNode? _inBackwardOf;

    /// <summary>True while detection is on and this thread is not inside a check itself.</summary>
    public static bool Enabled => _depth > 0 && !_checking;

    public static IDisposable Enable() => new Scope();

    /// <summary>Marks the backward rule of <paramref name="node"/> as running (ops it runs are named as part of it).</summary>
    public static IDisposable InBackwardOf(GradNode node) => new BackwardScope(node);

    /// <summary>Checks an op's output; called as the op records itself.</summary>
    public static void CheckForward(string op, Tensor output, Tensor[] inputs)
    {
        if (NonFinite(output) is not { } kind) return;
        if (_inBackwardOf is { } node)
            throw new AnomalyException($"detect-anomaly: the backward of '{node.Op}' ({Describe(node.Inputs)}) produced {kind} in its '{op}' step ({Describe(inputs)})");
        for (int i = 0; i < inputs.Length; i++)
            if (NonFinite(inputs[i]) is { } inputKind)
                throw new AnomalyException($"detect-anomaly: input {i} {inputs[i].Shape} of '{op}' already holds {inputKind}, made outside the checked ops " +
                    "(a parameter an optimizer step broke, the data, or a tensor made under NoGrad)");
        throw new AnomalyException($"detect-anomaly: '{op}' ({Describe(inputs)}) produced {kind} in its output {output.Shape} (forward)");
    }

    /// <summary>Checks the gradient a backward rule returned for input <paramref name="input"/> of <paramref name="node"/>.</summary>
    public static void CheckBackward(GradNode node, int input, Tensor gradient)
    {
        if (NonFinite(gradient) is { } kind)
            throw new AnomalyException($"detect-anomaly: the backward of '{node.Op}' ({Describe(node.Inputs)}) produced {kind} in the gradient of input {input} {gradient.Shape}");
    }

    /// <summary>"NaN", "infinity" or null: max |x| is NaN when any element is, else infinite when any is.</summary>
    private static string? NonFinite(Tensor t)
    {
        if (t.IsDisposed || t.Length == 0) return null;
        _checking = true;
        try
        {
            using var scope = new TensorScope();
            using var _ = Autograd.NoGrad();
            float largest = Ops.Max(Ops.Abs(t)).Item();
            return float.IsNaN(largest) ? "NaN" : float.IsInfinity(largest) ? "infinity" : null;
        }
        finally
        {
            _checking = false;
        }
    }

    private static string Describe(Tensor[] inputs) =>
        inputs.Length == 0 ? "no inputs" : "inputs " + string.Join(", ", inputs.Select(t => t.Shape.ToString()));

    private sealed class Scope : IDisposable
    {
        private bool _done;
        public Scope() => _depth++;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _depth--;
        }
    }

    private sealed class BackwardScope : IDisposable
    {
        private readonly GradNode? _outer = _inBackwardOf;
        public BackwardScope(GradNode node) => _inBackwardOf = node;
        public void Dispose() => _inBackwardOf = _outer;
    }
}
