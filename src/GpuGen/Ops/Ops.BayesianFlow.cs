using GpuGen.Diffusion;

namespace GpuGen;

// Bayesian Flow Networks for continuous data (Graves et al. 2023) on the fused kernels of
// GpuGen.Kernels.Diffusion.BayesianFlowKernels: the flow distribution sampled with its noise, the
// output x̂ from the predicted noise (recorded: training differentiates through it into ε̂), and
// the sampler's Bayesian update with its draw.
public static partial class Ops
{
    /// <summary>μ ~ p_F(μ | x; t) = N(γ(t)·x, γ(1 − γ)·I), one t per example (the first axis) from
    /// <paramref name="times"/> [B] in [0, 1]; the noise is Ops.Normal's draw from the same state.
    /// Not recorded (x and t are data).</summary>
    public static Tensor ContinuousFlowSample(Tensor x, Tensor times, ContinuousBayesianFlow flow, Generator noise)
    {
        const string op = "continuousFlowSample";
        CheckFlowTimes(op, x, times);
        var (seed, offset) = noise.Next();
        var mu = Tensor.Empty(x.Shape, x.Device);
        x.Device.Backend.BayesianFlow.FlowSample(x, times, mu, flow.Kernel, x.Length / x.Shape[0], seed, offset);
        return mu;
    }

    /// <summary>
    /// x̂ = clamp(μ/γ − √((1 − γ)/γ)·ε̂, ±clip), 0 below t_min: the network's estimate of the data from
    /// its predicted noise (Algorithm 1's cts_output_prediction). Recorded for ε̂: the gradient is
    /// −√((1 − γ)/γ)·g where the clamp left x̂ alone and 0 where it clipped (one fused kernel, linear in g,
    /// so it is its own derivative).
    /// </summary>
    public static Tensor ContinuousFlowOutput(Tensor mu, Tensor predictedNoise, Tensor times, ContinuousBayesianFlow flow)
    {
        const string op = "continuousFlowOutput";
        Check.Elementwise(op, "mu", mu, "predictedNoise", predictedNoise);
        CheckFlowTimes(op, mu, times);
        var y = Tensor.Empty(mu.Shape, mu.Device);
        mu.Device.Backend.BayesianFlow.Output(mu, predictedNoise, times, null, y, flow.Kernel, mu.Length / mu.Shape[0]);
        return Autograd.Record(op, y, [predictedNoise], (g, _) => [FlowOutputGate(g, mu, predictedNoise, times, flow)]);
    }

    private static Tensor FlowOutputGate(Tensor g, Tensor mu, Tensor predictedNoise, Tensor times, ContinuousBayesianFlow flow)
    {
        var y = Tensor.Empty(mu.Shape, mu.Device);
        mu.Device.Backend.BayesianFlow.Output(mu, predictedNoise, times, g, y, flow.Kernel, mu.Length / mu.Shape[0]);
        return Autograd.Record("continuousFlowOutputGate", y, [g], (gg, _) => [FlowOutputGate(gg, mu, predictedNoise, times, flow)]);
    }

    /// <summary>One Bayesian update of the sampler (Algorithm 3): y ~ N(x̂, 1/α), μ' = (ρ·μ + α·y)/(ρ + α),
    /// for the precision ρ so far and this step's accuracy α. Not recorded.</summary>
    public static Tensor ContinuousFlowUpdate(Tensor mu, Tensor prediction, double precision, double accuracy, Generator noise)
    {
        const string op = "continuousFlowUpdate";
        Check.Elementwise(op, "mu", mu, "prediction", prediction);
        if (!(precision > 0) || !(accuracy > 0) || !double.IsFinite(precision) || !double.IsFinite(accuracy))
            throw new ArgumentException($"{op}: the precision and the accuracy must be positive, got {precision} and {accuracy}");
        var (seed, offset) = noise.Next();
        var result = Tensor.Empty(mu.Shape, mu.Device);
        if (result.Length > 0) mu.Device.Backend.BayesianFlow.Update(mu, prediction, result, (float)precision, (float)accuracy, seed, offset);
        return result;
    }

    /// <summary>
    /// Binary data's evidence (Graves et al. §6 with K = 2, as a logit): d = 2a(2x − 1) + 2√a·ε with
    /// ε ~ N(0, 1) drawn here and a = <paramref name="accuracy"/>[b] per example. For a = β₁t² it is the
    /// flow distribution's logit λ = ln(θ₁/θ₀) at t; for a = α_i the sender's sample of step i. x holds
    /// 0s and 1s (other values enter linearly through 2x − 1). Not recorded (x is data).
    /// </summary>
    public static Tensor BinaryFlowEvidence(Tensor x, Tensor accuracy, Generator noise)
    {
        const string op = "binaryFlowEvidence";
        Check.Alive(op, "x", x);
        Check.Alive(op, "accuracy", accuracy);
        Check.SameDevice(op, "x", x, "accuracy", accuracy);
        if (x.Rank < 1 || x.Shape[0] == 0) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}; needs a batch axis with examples");
        if (accuracy.Rank != 1 || accuracy.Length != x.Shape[0]) throw new ShapeMismatchException($"{op}: {x.Shape[0]} examples but the accuracy has shape {accuracy.Shape}");
        var values = accuracy.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0) || !float.IsFinite(values[i])) throw new ArgumentException($"{op}: accuracy {i} is {values[i]}; it must be finite and ≥ 0");
        var (seed, offset) = noise.Next();
        var result = Tensor.Empty(x.Shape, x.Device);
        x.Device.Backend.BayesianFlow.BinaryEvidence(x, accuracy, result, x.Length / x.Shape[0], seed, offset);
        return result;
    }

    /// <summary>One step of the binary sampler (Algorithm 9 with K = 2, in logits): k ~ Bernoulli(p) from the
    /// output distribution, then λ' = λ + 2α(2k − 1) + 2√α·ε. Not recorded.</summary>
    public static Tensor BinaryFlowUpdate(Tensor logits, Tensor probability, double accuracy, Generator noise)
    {
        const string op = "binaryFlowUpdate";
        Check.Elementwise(op, "logits", logits, "probability", probability);
        if (!(accuracy > 0) || !double.IsFinite(accuracy)) throw new ArgumentException($"{op}: the accuracy must be positive, got {accuracy}");
        var (seed, offset) = noise.Next();
        var result = Tensor.Empty(logits.Shape, logits.Device);
        if (result.Length > 0) logits.Device.Backend.BayesianFlow.BinaryUpdate(logits, probability, result, (float)accuracy, seed, offset);
        return result;
    }

    /// <summary>
    /// Discrete data's evidence with K classes (Graves et al. §6), as K planes [B, K, D] of the D variables:
    /// y = a(K·e_x − 1) + √(aK)·ε with ε ~ N(0, 1) drawn here and a = <paramref name="accuracy"/>[b] per example.
    /// For a = β₁t² it is the flow distribution's logits at t (θ = softmax over the planes); for a = α_i the
    /// sender's sample of step i. <paramref name="classes"/> [B, D] holds class indices 0 … K − 1 as floats.
    /// Not recorded (the classes are data).
    /// </summary>
    public static Tensor CategoricalFlowEvidence(Tensor classes, Tensor accuracy, int classCount, Generator noise)
    {
        const string op = "categoricalFlowEvidence";
        Check.Alive(op, "classes", classes);
        Check.Alive(op, "accuracy", accuracy);
        Check.SameDevice(op, "classes", classes, "accuracy", accuracy);
        if (classCount < 2) throw new ArgumentException($"{op}: discrete data needs at least 2 classes (K ≥ 2), got {classCount}");
        if (classes.Rank != 2 || classes.Shape[0] == 0) throw new ShapeMismatchException($"{op}: classes has shape {classes.Shape}; needs [B, D] with examples");
        if (accuracy.Rank != 1 || accuracy.Length != classes.Shape[0]) throw new ShapeMismatchException($"{op}: {classes.Shape[0]} examples but the accuracy has shape {accuracy.Shape}");
        var values = accuracy.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0) || !float.IsFinite(values[i])) throw new ArgumentException($"{op}: accuracy {i} is {values[i]}; it must be finite and ≥ 0");
        var (seed, offset) = noise.Next();
        int variables = classes.Shape[1];
        var result = Tensor.Empty(Shape.Of(classes.Shape[0], classCount, variables), classes.Device);
        if (result.Length > 0) classes.Device.Backend.BayesianFlow.CategoricalEvidence(classes, accuracy, result, variables, classCount, seed, offset);
        return result;
    }

    /// <summary>One step of the discrete sampler (Algorithm 9) on logits [N, K, D]: per variable a class k* ~
    /// Categorical(<paramref name="probability"/>[n, ·, d]) from the output distribution, then logits' = logits +
    /// α(K·e_k* − 1) + √(αK)·ε. Not recorded.</summary>
    public static Tensor CategoricalFlowUpdate(Tensor logits, Tensor probability, double accuracy, Generator noise)
    {
        const string op = "categoricalFlowUpdate";
        Check.Elementwise(op, "logits", logits, "probability", probability);
        if (logits.Rank != 3 || logits.Shape[1] < 2) throw new ShapeMismatchException($"{op}: logits have shape {logits.Shape}; need [N, K, D] with K ≥ 2 classes");
        if (!(accuracy > 0) || !double.IsFinite(accuracy)) throw new ArgumentException($"{op}: the accuracy must be positive, got {accuracy}");
        var (seed, offset) = noise.Next();
        var result = Tensor.Empty(logits.Shape, logits.Device);
        if (result.Length > 0) logits.Device.Backend.BayesianFlow.CategoricalUpdate(logits, probability, result, logits.Shape[2], logits.Shape[1], (float)accuracy, seed, offset);
        return result;
    }

    private static void CheckFlowTimes(string op, Tensor x, Tensor times)
    {
        Check.Alive(op, "x", x);
        Check.Alive(op, "times", times);
        Check.SameDevice(op, "x", x, "times", times);
        if (x.Rank < 1 || x.Shape[0] == 0) throw new ShapeMismatchException($"{op}: x has shape {x.Shape}; needs a batch axis with examples");
        if (times.Rank != 1 || times.Length != x.Shape[0]) throw new ShapeMismatchException($"{op}: {x.Shape[0]} examples but times has shape {times.Shape}");
        var values = times.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0 && values[i] <= 1)) throw new ArgumentException($"{op}: time {i} is {values[i]}, outside [0, 1]");
    }
}
