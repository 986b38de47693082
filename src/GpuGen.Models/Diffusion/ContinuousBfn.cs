using GpuGen.Diffusion;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A Bayesian Flow Network for continuous data (Graves et al. 2023, §4) over a
/// <see cref="DenoisingNetwork"/> that reads the input distribution's mean μ and the time t and
/// predicts the noise: x̂ = μ/γ − √((1 − γ)/γ)·ε̂, clipped. Trained on the continuous-time loss
/// L^∞ = −ln σ₁·σ₁^(−2t)·‖x − x̂(μ, t)‖² with t ~ U(0, 1) and μ from the flow distribution (Algorithm 1,
/// averaged over the batch); sampled by n Bayesian updates from μ = 0, ρ = 1 (Algorithm 3). The
/// network sees t scaled by <see cref="TimeScale"/>, the range its sinusoidal embedding is made for.
/// </summary>
public sealed class ContinuousBfn(DenoisingNetwork network, ContinuousBayesianFlow flow)
{
    /// <summary>t ∈ [0, 1] enters the time embedding as t·1000, as diffusion timesteps would.</summary>
    public const float TimeScale = 1000f;

    public DenoisingNetwork Network { get; } = network;
    public ContinuousBayesianFlow Flow { get; } = flow;

    /// <summary>x̂(μ, t) for every example at the times [B].</summary>
    public Tensor Output(Tensor mu, Tensor times) =>
        Ops.ContinuousFlowOutput(mu, Network.Forward(mu, Ops.Mul(times, TimeScale)), times, Flow);

    /// <summary>L^∞ averaged over the batch x [B, …], t and the flow's noise drawn from <paramref name="stream"/>.</summary>
    public Tensor Loss(Tensor x, Generator stream)
    {
        int batch = x.Shape[0];
        var times = Ops.Uniform(Shape.Of(batch), stream, x.Device);
        var mu = Ops.ContinuousFlowSample(x, times, Flow, stream);
        var error = Ops.Sum(Ops.Square(Ops.Sub(x, Output(mu, times))).Reshape(batch, -1), 1);
        double lnSigma = Math.Log(Flow.Sigma1);
        var weight = Ops.Mul(Ops.Exp(Ops.Mul(times, (float)(-2 * lnSigma))), (float)-lnSigma); // −ln σ₁·σ₁^(−2t)
        return Ops.Mean(Ops.Mul(weight, error));
    }

    /// <summary>
    /// n samples of the given per-example shape by <paramref name="steps"/> Bayesian updates (Algorithm 3):
    /// for i = 1 … n, x̂ = output(μ, (i − 1)/n), y ~ N(x̂, 1/α_i), μ ← (ρμ + α_i·y)/(ρ + α_i), ρ ← ρ + α_i;
    /// then x̂ = output(μ, 1). <paramref name="visit"/> sees μ before each update and the final x̂.
    /// </summary>
    public Tensor Sample(int n, Shape example, Generator stream, int steps, Action<string, Tensor>? visit = null)
    {
        if (steps < 1) throw new GpuGenException($"bfn: sampling needs at least one step, got {steps}", isUsageError: true);
        var device = Sampling.DeviceOf(Network);
        return Sampling.InEvaluationMode(Network, () =>
        {
            var mu = Tensor.Zeros(new Shape([n, .. example.ToArray()]), device);
            double precision = 1;
            for (int i = 1; i <= steps; i++)
            {
                double t = (i - 1.0) / steps;
                visit?.Invoke($"μ at t = {t:0.##}", mu);
                using var step = new TensorScope();
                var prediction = Output(mu, Tensor.Full(Shape.Of(n), (float)t, device));
                double accuracy = Flow.StepAccuracy(i, steps);
                var next = Ops.ContinuousFlowUpdate(mu, prediction, precision, accuracy, stream);
                precision += accuracy;
                mu.Dispose();
                mu = step.Keep(next);
            }
            var x = Output(mu, Tensor.Full(Shape.Of(n), 1f, device));
            mu.Dispose();
            visit?.Invoke("x̂ at t = 1", x);
            return x;
        });
    }
}
