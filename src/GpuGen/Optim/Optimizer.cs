namespace GpuGen.Optim;

/// <summary>
/// Updates named parameters from their gradients, one fused kernel per parameter per step.
/// State tensors (moments, momentum buffers) are created on the first step, named after their
/// parameter for checkpoints (<see cref="NamedState"/>), and owned by the optimizer.
/// Parameters whose gradient is null are skipped, as in PyTorch.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<(string Name, Tensor Parameter)> _parameters;

    protected Optimizer(IEnumerable<(string Name, Tensor Parameter)> parameters, float learningRate)
    {
        _parameters = parameters.ToList();
        if (_parameters.Count == 0) throw new ArgumentException($"{GetType().Name}: no parameters to optimise");
        foreach (var (name, p) in _parameters)
            if (!p.RequiresGrad || !p.IsLeaf) throw new ArgumentException($"{GetType().Name}: parameter '{name}' is not a leaf that requires grad");
        if (_parameters.Select(p => p.Name).Distinct().Count() != _parameters.Count)
            throw new ArgumentException($"{GetType().Name}: parameter names must be unique");
        LearningRate = learningRate;
    }

    public IReadOnlyList<(string Name, Tensor Parameter)> Parameters => _parameters;

    private float _learningRate;

    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || !float.IsFinite(value)) throw new ArgumentException($"{GetType().Name}: learning rate must be finite and ≥ 0, got {value}");
            _learningRate = value;
        }
    }

    /// <summary>Steps taken so far (Adam's t counts from 1 at the first step).</summary>
    public int StepCount { get; protected set; }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using (Autograd.NoGrad())
            for (int i = 0; i < _parameters.Count; i++)
                if (_parameters[i].Parameter.Grad is { } g) Update(i, _parameters[i].Parameter, g);
        if (Launch.Profiler.Enabled) Launch.Profiler.Attribute($"{GetType().Name}.step");
    }

    /// <summary>Sets every gradient to zero in place (keeping its buffer, so a training loop does
    /// not allocate). A gradient made by a backward with createGraph is part of a graph, and
    /// overwriting it would change values that graph saw: it is disposed instead, and the next
    /// backward makes a fresh one.</summary>
    public void ZeroGrad()
    {
        using (Autograd.NoGrad())
            foreach (var (_, p) in _parameters)
            {
                if (p.Grad is not { } g) continue;
                if (g.RequiresGrad) p.ClearGrad();
                else Ops.Fill(g, 0f);
            }
        if (Launch.Profiler.Enabled) Launch.Profiler.Attribute("zero_grad");
    }

    /// <summary>Sets the learning rate from a schedule for the coming step.</summary>
    public void Schedule(ILearningRateSchedule schedule) => LearningRate = schedule.At(StepCount);

    protected abstract void Update(int index, Tensor parameter, Tensor grad);

    /// <summary>
    /// The optimizer's state, by kind (Adam: exp_avg and exp_avg_sq): one slot per parameter,
    /// null until that parameter's first update (a parameter that never had a gradient has none,
    /// as in PyTorch). The base class names, checkpoints, restores and disposes them.
    /// </summary>
    protected abstract IReadOnlyList<(string Kind, Tensor?[] Slots)> State { get; }

    /// <summary>State tensors by name, for checkpoints: <c>{kind}.{parameter path}</c>.</summary>
    public IEnumerable<(string Name, Tensor State)> NamedState()
    {
        foreach (var (kind, slots) in State)
            for (int i = 0; i < _parameters.Count; i++)
                if (slots[i] is { } t) yield return ($"{kind}.{_parameters[i].Name}", t);
    }

    /// <summary>Every state tensor this optimizer can hold, by name, with its parameter's index and
    /// shape: what a checkpoint is checked against before anything is restored.</summary>
    public IEnumerable<(string Name, int Parameter, Shape Shape)> StateLayout()
    {
        foreach (var (kind, _) in State)
            for (int i = 0; i < _parameters.Count; i++)
                yield return ($"{kind}.{_parameters[i].Name}", i, _parameters[i].Parameter.Shape);
    }

    /// <summary>
    /// Sets the step count and every state slot from <paramref name="values"/> (by state name;
    /// null for a slot the checkpoint does not hold, which is then emptied, exactly as before
    /// that parameter's first update). The caller has checked names and shapes.
    /// </summary>
    internal void Restore(int stepCount, Func<string, float[]?> values)
    {
        StepCount = stepCount;
        foreach (var (kind, slots) in State)
            for (int i = 0; i < _parameters.Count; i++)
            {
                if (values($"{kind}.{_parameters[i].Name}") is { } stored)
                {
                    var target = slots[i] ??= NewState(i);
                    using var source = Tensor.FromArray(stored, target.Shape, target.Device);
                    using (Autograd.NoGrad()) Ops.Copy(source, target);
                }
                else
                {
                    slots[i]?.Dispose();
                    slots[i] = null;
                }
            }
    }

    /// <summary>A zero tensor shaped like parameter <paramref name="index"/>, owned by the optimizer.</summary>
    protected Tensor NewState(int index)
    {
        var p = _parameters[index].Parameter;
        var t = Tensor.Zeros(p.Shape, p.Device);
        TensorScope.Release(t);
        return t;
    }

    public virtual void Dispose()
    {
        foreach (var (_, t) in NamedState()) t.Dispose();
        GC.SuppressFinalize(this);
    }
}
