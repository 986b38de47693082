namespace GpuGen.Optim;

/// <summary>
/// An exponential moving average of the parameters (Polyak averaging, as Ho et al.'s DDPM samples from
/// with decay 0.9999): after each training step, a ← d·a + (1 − d)·θ, with the decay warmed up as
/// TensorFlow's ExponentialMovingAverage does, d_n = min(decay, (1 + n)/(10 + n)) at the n-th update, so
/// that a short run is not dominated by its random initialisation. The first update copies θ.
/// <para>It is an <see cref="Optimizer"/> whose "update" never moves the parameters (its learning rate is
/// 0): that way the runner checkpoints and restores the averages (state kind "average") exactly as it
/// does Adam's moments, and a resumed run averages what the first would have. Step it after the real
/// optimizer. <see cref="UseAverages"/> puts the averages into the parameters for sampling or
/// evaluation and swaps the trained values back afterwards.</para>
/// </summary>
public sealed class ParameterAverage : Optimizer
{
    public const string StateKind = "average";
    private readonly Tensor?[] _averages;
    private Tensor?[]? _saved;

    public ParameterAverage(IEnumerable<(string Name, Tensor Parameter)> parameters, float decay = 0.999f) : base(parameters, 0f)
    {
        if (!(decay > 0 && decay < 1)) throw new ArgumentException($"parameter average: the decay must be in (0, 1), got {decay}");
        Decay = decay;
        _averages = new Tensor?[Parameters.Count];
    }

    public float Decay { get; }

    /// <summary>The decay applied at update number <paramref name="step"/> (1-based): min(decay, (1 + n)/(10 + n)) with n = step − 1.</summary>
    public float DecayAt(int step) => Math.Min(Decay, (float)step / (9 + step));

    protected override void Update(int index, Tensor parameter, Tensor grad)
    {
        if (_averages[index] is not { } average)
        {
            Ops.Copy(parameter, _averages[index] = NewState(index));
            return;
        }
        float d = DecayAt(StepCount);
        Ops.Axpy(1f - d, parameter, Ops.Scale(average, d));
    }

    protected override IReadOnlyList<(string Kind, Tensor?[] Slots)> State => [(StateKind, _averages)];

    /// <summary>
    /// Puts the averages into the parameters (a parameter not yet averaged keeps its value) until the
    /// returned scope is disposed, which restores the trained values bit for bit. Not reentrant.
    /// </summary>
    public IDisposable UseAverages()
    {
        if (_saved is not null) throw new InvalidOperationException("parameter average: the averages are already in use");
        _saved = new Tensor?[Parameters.Count];
        using (Autograd.NoGrad())
            for (int i = 0; i < Parameters.Count; i++)
                if (_averages[i] is { } average)
                {
                    var saved = _saved[i] = Tensor.Empty(average.Shape, average.Device);
                    TensorScope.Release(saved);
                    Ops.Copy(Parameters[i].Parameter, saved);
                    Ops.Copy(average, Parameters[i].Parameter);
                }
        return new Restorer(this);
    }

    private void Restore()
    {
        using (Autograd.NoGrad())
            for (int i = 0; i < Parameters.Count; i++)
                if (_saved![i] is { } saved)
                {
                    Ops.Copy(saved, Parameters[i].Parameter);
                    saved.Dispose();
                }
        _saved = null;
    }

    private sealed class Restorer(ParameterAverage average) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            average.Restore();
        }
    }
}
