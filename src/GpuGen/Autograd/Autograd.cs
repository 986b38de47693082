namespace GpuGen;

/// <summary>
/// Reverse-mode automatic differentiation over the ops (a tape of <see cref="GradNode"/>s).
/// Ops record themselves when grad mode is on and an input tracks gradients (a leaf with
/// <see cref="Tensor.RequiresGrad"/>, or the output of a recorded op). <see cref="Tensor.Backward"/>
/// accumulates into leaves' <see cref="Tensor.Grad"/>; <see cref="Grad"/> returns gradients as
/// tensors, which with createGraph are themselves recorded: gradients of gradients.
/// </summary>
public static class Autograd
{
    /// <summary>Ops inside the returned scope record nothing (inference, optimizer updates, initialisation).</summary>
    public static IDisposable NoGrad() => GradMode.Disable();

    /// <summary>Ops inside the returned scope record themselves even within a <see cref="NoGrad"/>
    /// region (PyTorch's enable_grad): a sampler that follows ∇ₓE, such as Langevin dynamics, needs
    /// the tape while the rest of sampling records nothing.</summary>
    public static IDisposable EnableGrad() => GradMode.Force();

    /// <summary>Whether ops on this thread record themselves now.</summary>
    public static bool IsRecording => GradMode.Enabled;

    /// <summary>
    /// Inside the returned scope every differentiable op's output and every gradient a backward
    /// rule returns is checked for NaN and infinity, and the first found throws a
    /// <see cref="GpuGenException"/> naming the op (forward or backward) and its input shapes, as
    /// PyTorch's anomaly mode does. Each check waits for the device: for debugging. See <see cref="Anomaly"/>.
    /// </summary>
    public static IDisposable DetectAnomaly() => Anomaly.Enable();

    /// <summary>Whether anomaly detection is on for this thread.</summary>
    public static bool IsDetectingAnomaly => Anomaly.Enabled;

    /// <summary>
    /// The gradients of Σ gradOutputs[k]·outputs[k] with respect to each input. gradOutputs may
    /// be null when every output has one element. With <paramref name="createGraph"/> the
    /// backward pass is recorded, so the results can be differentiated again (they then keep the
    /// graph alive); the graph is released afterwards unless <paramref name="retainGraph"/> (which
    /// defaults to createGraph). An input that takes no part in the outputs is an error, unless
    /// <paramref name="allowUnused"/>, which gives it a gradient of zeros.
    /// </summary>
    public static Tensor[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[]? gradOutputs = null,
        bool createGraph = false, bool? retainGraph = null, bool allowUnused = false)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            Check.Alive("grad", $"input {i}", inputs[i]);
            if (!inputs[i].TracksGrad)
                throw new GpuGenException($"grad: input {i} {inputs[i].Shape} does not require grad; set RequiresGrad on it before computing the outputs");
        }
        var result = new Tensor[inputs.Length];
        // Without createGraph nothing made on the way is needed afterwards: a scope of its own
        // frees it now. With createGraph it is the graph of the results and belongs to the caller.
        using var intermediates = createGraph ? null : new TensorScope();
        var grads = Run("grad", outputs, gradOutputs, createGraph, retainGraph ?? createGraph, inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads.TryGetValue(inputs[i], out var g)) result[i] = Distinct(g, result.AsSpan(0, i), gradOutputs, createGraph);
            else if (allowUnused) result[i] = Tensor.Zeros(inputs[i].Shape, inputs[i].Device);
            else throw new GpuGenException($"grad: input {i} {inputs[i].Shape} does not take part in computing the outputs (pass allowUnused: true to get zeros)");
            if (intermediates is not null && ReferenceEquals(result[i].Scope, intermediates)) intermediates.Keep(result[i]);
        }
        return result;
    }

    /// <summary>
    /// <paramref name="g"/>, or a copy of it where the caller would otherwise get one tensor twice:
    /// an earlier result or one of its own gradOutputs (the gradient of a sum is the same tensor
    /// for every addend). Each result is then the caller's to dispose on its own.
    /// </summary>
    private static Tensor Distinct(Tensor g, ReadOnlySpan<Tensor> earlier, Tensor[]? gradOutputs, bool createGraph)
    {
        bool shared = gradOutputs is not null && Array.Exists(gradOutputs, t => ReferenceEquals(t, g));
        foreach (var e in earlier) shared |= ReferenceEquals(e, g);
        if (!shared) return g;
        using (createGraph ? GradMode.Force() : GradMode.Disable()) return Ops.Clone(g);
    }

    /// <summary>Backward from one output into the .Grad of every leaf that requires grad. Leaves
    /// get gradients of their own (see <see cref="Tensor.AccumulateGrad"/>); without createGraph
    /// every intermediate gradient is freed before this returns.</summary>
    internal static void Backward(Tensor output, Tensor? gradOutput, bool retainGraph, bool createGraph)
    {
        using var intermediates = createGraph ? null : new TensorScope();
        var grads = Run("backward", [output], gradOutput is null ? null : [gradOutput], createGraph, retainGraph);
        foreach (var (tensor, g) in grads)
            if (tensor.IsLeaf && tensor.RequiresGrad) tensor.AccumulateGrad(g, createGraph);
        if (Launch.Profiler.Enabled) Launch.Profiler.Attribute("accumulate gradients", backward: true);
    }

    /// <summary>Records <paramref name="output"/> as made by <paramref name="op"/> from <paramref name="inputs"/>,
    /// if grad mode is on and any input tracks gradients.</summary>
    internal static Tensor Record(string op, Tensor output, Tensor[] inputs, Func<Tensor, bool[], Tensor?[]> backward)
    {
        if (Anomaly.Enabled) Anomaly.CheckForward(op, output, inputs);
        if (Launch.Profiler.Enabled) Launch.Profiler.Attribute(op); // the kernels just launched were this op's
        if (!GradMode.Enabled) return output;
        bool any = false;
        foreach (var t in inputs) any |= t.TracksGrad;
        if (any) output.Node = new GradNode(op, output, inputs, backward);
        return output;
    }

    /// <param name="targets">The tensors whose gradients are wanted (Grad's inputs): only the partials
    /// on a path to one of them are computed, as PyTorch's autograd.grad does, so that ∂D/∂x̂ in a
    /// gradient penalty does not also compute every weight's gradient. Null (Backward): every leaf.</param>
    private static Dictionary<Tensor, Tensor> Run(string caller, Tensor[] outputs, Tensor[]? gradOutputs, bool createGraph, bool retainGraph,
        Tensor[]? targets = null)
    {
        if (gradOutputs is not null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"{caller}: {outputs.Length} outputs but {gradOutputs.Length} gradOutputs");
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int k = 0; k < outputs.Length; k++)
        {
            var output = outputs[k];
            Check.Alive(caller, $"output {k}", output);
            if (!output.TracksGrad)
                throw new GpuGenException($"{caller}: output {k} {output.Shape} does not require grad (no input of the ops that made it requires grad, or it was made under NoGrad)");
            Tensor seed;
            if (gradOutputs?[k] is { } given)
            {
                Check.SameShape(caller, $"output {k}", output, $"gradOutput {k}", given);
                seed = given;
            }
            else if (output.Length == 1) seed = Tensor.Ones(output.Shape, output.Device);
            else throw new GpuGenException($"{caller}: output {k} has shape {output.Shape}, not one element: pass gradOutputs (the vector of the vector–Jacobian product)");
            Accumulate(grads, output, seed);
        }

        var order = TopologicalOrder(outputs);
        var leadsToTarget = targets is null ? null : NodesLeadingTo(order, targets);
        using (createGraph ? GradMode.Force() : GradMode.Disable())
        {
            foreach (var node in order)
            {
                if (!grads.TryGetValue(node.Output, out var g)) continue;
                var inputs = node.Inputs;
                var needs = new bool[inputs.Length];
                for (int i = 0; i < inputs.Length; i++)
                    needs[i] = inputs[i].TracksGrad && (leadsToTarget is null || leadsToTarget.Contains(inputs[i]));
                bool checking = Anomaly.Enabled;
                Tensor?[] partials;
                using (checking ? Anomaly.InBackwardOf(node) : null)
                using (Launch.Profiler.Enabled ? Launch.Profiler.BackwardOf(node.Op) : null)
                    partials = node.Apply(g, needs);
                for (int i = 0; i < inputs.Length; i++)
                {
                    if (!needs[i] || partials[i] is not { } p) continue;
                    if (p.Shape != inputs[i].Shape)
                        throw new InvalidOperationException($"backward of '{node.Op}': gradient {p.Shape} for input {i} of shape {inputs[i].Shape}");
                    if (checking) Anomaly.CheckBackward(node, i, p);
                    Accumulate(grads, inputs[i], p);
                }
            }
        }
        if (!retainGraph)
            foreach (var node in order) node.Release();
        return grads;
    }

    /// <summary>The targets, and the outputs of the nodes in <paramref name="order"/> from which a
    /// target can be reached going down through inputs (producers before consumers: the order reversed).</summary>
    private static HashSet<Tensor> NodesLeadingTo(List<GradNode> order, Tensor[] targets)
    {
        var reached = new HashSet<Tensor>(targets, ReferenceEqualityComparer.Instance);
        for (int n = order.Count - 1; n >= 0; n--)
            foreach (var input in order[n].Inputs)
                if (reached.Contains(input))
                {
                    reached.Add(order[n].Output);
                    break;
                }
        return reached;
    }

    private static void Accumulate(Dictionary<Tensor, Tensor> grads, Tensor target, Tensor g) =>
        grads[target] = grads.TryGetValue(target, out var existing) ? Ops.Add(existing, g) : g;

    /// <summary>Nodes reachable from the outputs, each after every node that consumes its output
    /// (reverse post-order of a depth-first search).</summary>
    private static List<GradNode> TopologicalOrder(Tensor[] outputs)
    {
        var visited = new HashSet<GradNode>(ReferenceEqualityComparer.Instance);
        var postOrder = new List<GradNode>();
        var stack = new Stack<(GradNode Node, int NextInput)>();
        foreach (var output in outputs)
        {
            if (output.Node is not { } root || !visited.Add(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (node.Released)
                    throw new GpuGenException($"backward: the graph through '{node.Op}' was already released by an earlier backward; pass retainGraph: true to the first one to go through it twice");
                if (next < node.Inputs.Length)
                {
                    stack.Push((node, next + 1));
                    if (node.Inputs[next].Node is { } child && visited.Add(child)) stack.Push((child, 0));
                }
                else postOrder.Add(node);
            }
        }
        postOrder.Reverse();
        return postOrder;
    }
}
