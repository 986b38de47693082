using GpuGen.Kernels.Optim;

namespace GpuGen.Optim;

/// <summary>Stochastic gradient descent with optional momentum (classical or Nesterov) and L2
/// weight decay, as <see cref="SgdHyper"/> says; one fused kernel per parameter.</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor?[] _buffers;

    public Sgd(IEnumerable<(string Name, Tensor Parameter)> parameters, float learningRate,
        float momentum = 0f, bool nesterov = false, float weightDecay = 0f, float dampening = 0f)
        : base(parameters, learningRate)
    {
        if (!(momentum >= 0) || !(weightDecay >= 0) || !(dampening >= 0 && dampening <= 1))
            throw new ArgumentException($"sgd: need momentum ≥ 0, weightDecay ≥ 0 and dampening in [0, 1], got {momentum}, {weightDecay}, {dampening}");
        if (nesterov && (momentum == 0 || dampening != 0))
            throw new ArgumentException("sgd: Nesterov momentum needs momentum > 0 and no dampening");
        (Momentum, Nesterov, WeightDecay, Dampening) = (momentum, nesterov, weightDecay, dampening);
        _buffers = new Tensor?[Parameters.Count];
    }

    public float Momentum { get; }
    public bool Nesterov { get; }
    public float WeightDecay { get; }
    public float Dampening { get; }

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        bool first = Momentum != 0 && _buffers[index] is null;
        var buffer = Momentum == 0 ? parameter : _buffers[index] ??= NewState(index);
        var hyper = new SgdHyper
        {
            LearningRate = LearningRate, Momentum = Momentum, Dampening = Dampening, WeightDecay = WeightDecay,
            Nesterov = Nesterov ? 1 : 0, FirstStep = first ? 1 : 0,
        };
        parameter.Device.Backend.Optim.Sgd(parameter, grad, buffer, hyper);
    }

    // Without momentum SGD keeps no state.
    protected override IReadOnlyList<(string Kind, Tensor?[] Slots)> State => Momentum == 0 ? [] : [("momentum_buffer", _buffers)];
}
