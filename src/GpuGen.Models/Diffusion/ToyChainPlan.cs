using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A <see cref="ToyChain"/> (DDPM, BFN) on a 2-D toy set as a <see cref="TrainingPlan"/>: every step
/// draws a fresh batch (seed + 1) and the model's noise from its stream; Adam(lr). An epoch is
/// <see cref="StepsPerEpoch"/> steps (a checkpoint after each). Test terms, from
/// n samples (<see cref="EvaluationPoints"/> unless the caller asks fewer, as the self-test does on the
/// slow GPU simulator) of the default sampler against as many fresh points of an
/// evaluation stream: the energy distance and the sliced Wasserstein-1 distance. Final metrics: both
/// floors (data against data) and both distances for each of the model's sampler variants. Pictures:
/// toy.png (data and up to 1,000 samples) and chain.png (six states of the chain, first to last). The returned
/// plan owns its optimizer and sampler: dispose it after the run.
/// </summary>
public static class ToyChainPlan
{
    public const int StepsPerEpoch = 500;
    public const int EvaluationPoints = 2000;
    public const double Extent = 2.0;

    /// <summary>The toy sets by their names in <c>gpugen train ddpm|bfn --data</c>: the swiss roll is the DDPM toy's.</summary>
    public static readonly IReadOnlyDictionary<string, ToySet> DataNames = new Dictionary<string, ToySet>
    {
        ["swissroll"] = ToySet.DiffusionSwissRoll, ["8gaussians"] = ToySet.EightGaussians, ["25gaussians"] = ToySet.TwentyFiveGaussians,
    };

    public static string DataName(ToySet set) => DataNames.First(n => n.Value == set).Key;

    public static OwnedPlan Create(ToyChain model, ToySet set, int stepsPerEpoch, Generator noise, RunOptions options, int evaluationPoints = EvaluationPoints)
    {
        if (evaluationPoints < 2) throw new ArgumentOutOfRangeException(nameof(evaluationPoints), evaluationPoints, "the distances need at least two points");
        var network = model.Network;
        var optimizer = new Adam(network.NamedParameters(), options.LearningRate);
        var data = new Generator(options.Seed + 1);
        var sampler = new ToySampler(set, options.Batch, network.Device, data);
        var plan = new TrainingPlan
        {
            Name = model.Name,
            Module = network,
            Optimizers = [("", optimizer)],
            Metadata = new Dictionary<string, string>(model.Metadata) { ["model"] = model.Name, ["data"] = DataName(set) },
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data"] = data },
            StepsPerEpoch = stepsPerEpoch,
            ExamplesPerEpoch = stepsPerEpoch * options.Batch,
            Batches = () => Enumerable.Range(0, stepsPerEpoch).Select(_ => sampler.Next()),
            TrainTerms = ["loss"],
            Iterate = (x0, _) =>
            {
                var loss = model.Loss(x0, noise);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                return [loss.Item()];
            },
            TestTerms = ["test_energy_distance", "test_sliced_wasserstein"],
            Evaluate = stream => Distances(Points((n, s) => model.Sample(n, s, null), evaluationPoints, stream), set, stream),
            FinalMetrics = stream => FinalMetrics(model, set, stream, options.Epochs * stepsPerEpoch, evaluationPoints),
            WritePictures = (folder, stream) => WritePictures(folder, model, set, stream, Math.Min(1000, evaluationPoints)),
            LossUnit = "loss per batch",
            RunFacts = new Dictionary<string, object?> { ["data"] = DataName(set), ["sampler"] = model.SamplerName },
        };
        return new OwnedPlan(plan, optimizer, sampler);
    }

    /// <summary>[energy distance, sliced W₁] of the samples against as many fresh points.</summary>
    public static double[] Distances(float[] samples, ToySet set, Generator stream)
    {
        var fresh = ToyData.Sample(set, samples.Length / 2, stream);
        return [ToyMetrics.EnergyDistance(samples, fresh), ToyMetrics.SlicedWasserstein(samples, fresh)];
    }

    /// <summary>The floors: two fresh data sets of n points against each other.</summary>
    public static double[] Floors(ToySet set, Generator stream, int n = EvaluationPoints) => Distances(ToyData.Sample(set, n, stream), set, stream);

    public static Dictionary<string, object?> FinalMetrics(ToyChain model, ToySet set, Generator stream, int steps, int points = EvaluationPoints)
    {
        var floor = Floors(set, stream, points);
        var metrics = new Dictionary<string, object?>
        {
            ["energy_distance_floor"] = floor[0],
            ["sliced_wasserstein_floor"] = floor[1],
            ["steps"] = steps,
            ["evaluation_points"] = points,
        };
        foreach (var (key, value) in model.ExtraMetrics?.Invoke(set, points, stream) ?? []) metrics[key] = value;
        foreach (var (key, _, sample) in model.Variants)
        {
            var d = Distances(Points(sample, points, stream), set, stream);
            metrics[$"{key}_energy_distance"] = d[0];
            metrics[$"{key}_sliced_wasserstein"] = d[1];
        }
        return metrics;
    }

    /// <summary>n samples on the host (the sampler's tensors freed).</summary>
    public static float[] Points(Func<int, Generator, Tensor> sample, int n, Generator stream)
    {
        using var scope = new TensorScope();
        return sample(n, stream).ToArray();
    }

    private static IReadOnlyList<string> WritePictures(string folder, ToyChain model, ToySet set, Generator stream, int points)
    {
        var states = new List<(string, float[])>();
        float[] samples;
        using (new TensorScope())
            samples = model.Sample(points, stream, (label, x) => states.Add((label, x.ToArray()))).ToArray();
        // six states, evenly spaced from the first (noise, or the prior) to the last (the samples)
        var shown = Enumerable.Range(0, 6).Select(k => states[(int)Math.Round(k * (states.Count - 1) / 5.0)]).ToList();
        string name = DataName(set);
        ToyPicture.SavePng(Path.Combine(folder, "toy.png"), $"{model.Name} on {name}: data (orange), samples ({model.SamplerName}, green)",
            ToyData.Sample(set, 1000, stream), samples, null, Extent);
        ToyPicture.SaveChainPng(Path.Combine(folder, "chain.png"), $"{model.Name} on {name}: the sampling chain ({model.SamplerName})", shown, Extent);
        return ["toy.png", "chain.png"];
    }
}
