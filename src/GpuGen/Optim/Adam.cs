using GpuGen.Kernels.Optim;

namespace GpuGen.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with optional L2 weight decay added to the gradient, or, with
/// <c>decoupled: true</c>, AdamW (Loshchilov &amp; Hutter 2019), which decays the weights directly.
/// The math is <see cref="AdamHyper"/>'s; each parameter's update is one fused kernel.
/// </summary>
public class Adam : Optimizer
{
    private readonly Tensor?[] _m, _v;
    private readonly bool _decoupled;

    public Adam(IEnumerable<(string Name, Tensor Parameter)> parameters, float learningRate = 1e-3f,
        float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f, bool decoupled = false)
        : base(parameters, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentException($"adam: betas must be in [0, 1), got ({beta1}, {beta2})");
        if (!(eps > 0) || !(weightDecay >= 0)) throw new ArgumentException($"adam: need eps > 0 and weightDecay ≥ 0, got {eps}, {weightDecay}");
        (Beta1, Beta2, Eps, WeightDecay, _decoupled) = (beta1, beta2, eps, weightDecay, decoupled);
        _m = new Tensor?[Parameters.Count];
        _v = new Tensor?[Parameters.Count];
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    public float WeightDecay { get; }

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        var m = _m[index] ??= NewState(index);
        var v = _v[index] ??= NewState(index);
        var hyper = new AdamHyper
        {
            LearningRate = LearningRate, Beta1 = Beta1, Beta2 = Beta2, Eps = Eps, WeightDecay = WeightDecay,
            Decoupled = _decoupled ? 1 : 0,
            Correction1 = 1f - MathF.Pow(Beta1, StepCount), Correction2 = 1f - MathF.Pow(Beta2, StepCount),
        };
        parameter.Device.Backend.Optim.Adam(parameter, grad, m, v, hyper);
    }

    protected override IReadOnlyList<(string Kind, Tensor?[] Slots)> State => [("exp_avg", _m), ("exp_avg_sq", _v)];
}

/// <summary>AdamW: Adam with decoupled weight decay (default 0.01, as in PyTorch).</summary>
public sealed class AdamW(IEnumerable<(string Name, Tensor Parameter)> parameters, float learningRate = 1e-3f,
    float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0.01f)
    : Adam(parameters, learningRate, beta1, beta2, eps, weightDecay, decoupled: true);
