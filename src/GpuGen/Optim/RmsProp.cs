namespace GpuGen.Optim;

/// <summary>
/// RMSProp as PyTorch's torch.optim.RMSprop (no momentum, not centred): v ← α·v + (1 − α)·g²,
/// θ ← θ − lr·g / (√v + ε). The weight-clipped WGAN's optimizer (Arjovsky et al. 2017, lr 5e-5).
/// Composed from the level-1 and elementwise ops rather than one fused kernel: the temporaries
/// come from the caching allocator, so a warm loop still makes no device allocation (a fused
/// kernel, as Adam's, is the faster form if RMSProp ever matters for speed).
/// </summary>
public sealed class RmsProp : Optimizer
{
    private readonly Tensor?[] _squareAverage;

    public RmsProp(IEnumerable<(string Name, Tensor Parameter)> parameters, float learningRate = 1e-2f, float alpha = 0.99f, float eps = 1e-8f)
        : base(parameters, learningRate)
    {
        if (!(alpha >= 0 && alpha < 1) || !(eps > 0))
            throw new ArgumentException($"rmsprop: need alpha in [0, 1) and eps > 0, got {alpha}, {eps}");
        (Alpha, Eps) = (alpha, eps);
        _squareAverage = new Tensor?[Parameters.Count];
    }

    public float Alpha { get; }
    public float Eps { get; }

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        var v = _squareAverage[index] ??= NewState(index);
        using var scope = new TensorScope();
        Ops.Scale(v, Alpha);
        Ops.Axpy(1 - Alpha, Ops.Square(grad), v);
        Ops.Axpy(-LearningRate, Ops.Div(grad, Ops.Add(Ops.Sqrt(v), Eps)), parameter);
    }

    protected override IReadOnlyList<(string Kind, Tensor?[] Slots)> State => [("square_avg", _squareAverage)];
}
