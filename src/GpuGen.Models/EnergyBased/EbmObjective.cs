using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// One training iteration of an <see cref="EnergyModel"/>, as Du &amp; Mordatch: chains started from the
/// replay buffer (95%) or noise (5%), K Langevin steps on the current energy, the final states
/// written back into the buffer, then one optimizer step on the contrastive-divergence loss of the
/// data batch against those states. The chains' noise, rows and starts come from one stream (the
/// model's), whose offset the runner checkpoints.
/// </summary>
public sealed class EbmObjective(EnergyModel model, EbmSettings settings, Optimizer optimizer, Generator noise)
{
    /// <summary>What <see cref="Iterate"/> returns: the loss, the batch means of E(x⁺) and E(x⁻).</summary>
    public static readonly string[] Terms = ["loss", "energy_data", "energy_samples"];

    private readonly ReplayBuffer _buffer = new(model.Replay, model.Domain);

    public ReplayBuffer Buffer => _buffer;

    /// <param name="batch">Data rows x⁺ [B, D].</param>
    /// <param name="step">Its place in the run: the ring's write position is the rows written before it.</param>
    public double[] Iterate(Tensor batch, TrainingStep step)
    {
        int n = batch.Shape[0];
        var negative = _buffer.Draw(n, noise);
        LangevinSampler.Run(model.Energy, negative, settings.Langevin, model.Domain, noise);
        _buffer.Store(negative, step.GlobalStep * n);
        var (loss, positiveEnergy, negativeEnergy) = ContrastiveDivergence.Loss(model.Energy, batch, negative, settings.Alpha);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return [loss.Item(), positiveEnergy.Item(), negativeEnergy.Item()];
    }

    /// <summary>Du &amp; Mordatch's optimizer: Adam with β₁ = 0 (no momentum: the negatives change under
    /// it every step) and β₂ = 0.999.</summary>
    public static Adam Optimizer(EnergyModel model, float learningRate) => new(model.Network.NamedParameters(), learningRate, 0f, 0.999f);
}
