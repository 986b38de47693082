using System.Globalization;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A DDPM on a 2-D toy set as a <see cref="TrainingPlan"/>: every step draws a fresh batch (seed + 1)
/// and its timesteps and noise from the model's stream; Adam(lr). An epoch is
/// <see cref="StepsPerEpoch"/> steps (a checkpoint after each). Test terms, from
/// <see cref="EvaluationPoints"/> ancestral samples against as many fresh points of an evaluation
/// stream: the energy distance and the sliced Wasserstein-1 distance. Final metrics: both floors
/// (data against data) and both distances for DDIM with 10, 20 and 50 steps. Pictures: toy.png
/// (data and samples) and chain.png (the ancestral chain from x_T to x₀). The returned plan owns its
/// optimizer and sampler: dispose it after the run.
/// </summary>
public static class DdpmToyPlan
{
    public const int StepsPerEpoch = 500;
    public const int EvaluationPoints = 2000;
    public const double Extent = 2.0;

    /// <summary>DDIM step counts reported beside ancestral sampling (Song et al.'s table varies S the same way).</summary>
    public static readonly int[] DdimSteps = [10, 20, 50];

    /// <summary>The toy sets by their names in <c>gpugen train ddpm --data</c>: the swiss roll is the DDPM toy's.</summary>
    public static readonly IReadOnlyDictionary<string, ToySet> DataNames = new Dictionary<string, ToySet>
    {
        ["swissroll"] = ToySet.DiffusionSwissRoll, ["8gaussians"] = ToySet.EightGaussians, ["25gaussians"] = ToySet.TwentyFiveGaussians,
    };

    public static string DataName(ToySet set) => DataNames.First(n => n.Value == set).Key;

    public static OwnedPlan Create(ToyDenoiser model, NoiseSchedule schedule, ToySet set, int stepsPerEpoch, Generator noise, RunOptions options)
    {
        var ddpm = new Ddpm(model, schedule);
        var optimizer = new Adam(model.NamedParameters(), options.LearningRate);
        var data = new Generator(options.Seed + 1);
        var sampler = new ToySampler(set, options.Batch, model.Device, data);
        var plan = new TrainingPlan
        {
            Name = "ddpm",
            Module = model,
            Optimizers = [("", optimizer)],
            Metadata = Metadata(model, schedule, set),
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data"] = data },
            StepsPerEpoch = stepsPerEpoch,
            ExamplesPerEpoch = stepsPerEpoch * options.Batch,
            Batches = () => Enumerable.Range(0, stepsPerEpoch).Select(_ => sampler.Next()),
            TrainTerms = ["loss"],
            Iterate = (x0, _) =>
            {
                var loss = ddpm.Loss(x0, noise);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                return [loss.Item()];
            },
            TestTerms = ["test_energy_distance", "test_sliced_wasserstein"],
            Evaluate = stream => Distances(Points(ddpm, EvaluationPoints, stream, DiffusionSampler.Ancestral), set, stream),
            FinalMetrics = stream => FinalMetrics(ddpm, set, stream, options.Epochs * stepsPerEpoch),
            WritePictures = (folder, stream) => WritePictures(folder, ddpm, set, stream),
            LossUnit = "mean squared noise error",
            RunFacts = new Dictionary<string, object?> { ["data"] = DataName(set), ["timesteps"] = schedule.Steps, ["beta_schedule"] = schedule.Name },
        };
        return new OwnedPlan(plan, optimizer, sampler);
    }

    public static Dictionary<string, string> Metadata(ToyDenoiser model, NoiseSchedule schedule, ToySet set) => new()
    {
        ["model"] = "ddpm",
        ["data"] = DataName(set),
        ["timesteps"] = schedule.Steps.ToString(CultureInfo.InvariantCulture),
        ["beta_schedule"] = NoiseSchedule.NameOf(schedule.Kind),
        ["beta_start"] = schedule.Start.ToString("R", CultureInfo.InvariantCulture),
        ["beta_end"] = schedule.End.ToString("R", CultureInfo.InvariantCulture),
        ["width"] = model.Width.ToString(CultureInfo.InvariantCulture),
        ["depth"] = model.Depth.ToString(CultureInfo.InvariantCulture),
        ["embedding"] = model.EmbeddingDim.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>[energy distance, sliced W₁] of the samples against as many fresh points.</summary>
    public static double[] Distances(float[] samples, ToySet set, Generator stream)
    {
        var fresh = ToyData.Sample(set, samples.Length / 2, stream);
        return [ToyMetrics.EnergyDistance(samples, fresh), ToyMetrics.SlicedWasserstein(samples, fresh)];
    }

    public static Dictionary<string, object?> FinalMetrics(Ddpm ddpm, ToySet set, Generator stream, int steps)
    {
        var floor = Distances(ToyData.Sample(set, EvaluationPoints, stream), set, stream);
        var metrics = new Dictionary<string, object?>
        {
            ["energy_distance_floor"] = floor[0],
            ["sliced_wasserstein_floor"] = floor[1],
            ["steps"] = steps,
        };
        foreach (int s in DdimSteps.Where(s => s <= ddpm.Schedule.Steps))
        {
            var d = Distances(Points(ddpm, EvaluationPoints, stream, DiffusionSampler.DdimSteps(s)), set, stream);
            metrics[$"ddim{s}_energy_distance"] = d[0];
            metrics[$"ddim{s}_sliced_wasserstein"] = d[1];
        }
        return metrics;
    }

    /// <summary>n samples on the host.</summary>
    public static float[] Points(Ddpm ddpm, int n, Generator stream, DiffusionSampler sampler)
    {
        using var scope = new TensorScope();
        return ddpm.Sample(n, Shape.Of(ToyDenoiser.PointDim), stream, sampler).ToArray();
    }

    private static IReadOnlyList<string> WritePictures(string folder, Ddpm ddpm, ToySet set, Generator stream)
    {
        int steps = ddpm.Schedule.Steps;
        var shown = new HashSet<int> { steps, 3 * steps / 4, steps / 2, steps / 4, steps / 10, 0 };
        var chain = new List<(string, float[])>();
        float[] samples;
        using (var scope = new TensorScope())
            samples = ddpm.Sample(1000, Shape.Of(ToyDenoiser.PointDim), stream, DiffusionSampler.Ancestral,
                (t, x) => { if (shown.Contains(t)) chain.Add(($"x_{t}", x.ToArray())); }).ToArray();
        string name = DataName(set);
        ToyPicture.SavePng(Path.Combine(folder, "toy.png"), $"ddpm on {name}: data (orange), ancestral samples (green)", ToyData.Sample(set, 1000, stream), samples, null, Extent);
        ToyPicture.SaveChainPng(Path.Combine(folder, "chain.png"), $"ddpm on {name}: the ancestral chain from x_T ~ N(0, I) (T = {steps})", chain, Extent);
        return ["toy.png", "chain.png"];
    }
}
