using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Models.Runner;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// An <see cref="EnergyModel"/> on a 2-D toy set as a <see cref="TrainingPlan"/>. An epoch is
/// <see cref="IterationsPerEpoch"/> iterations (a checkpoint after each), each on a fresh batch of
/// points (seed + 1) with the chains' randomness from the model's stream. Test terms, of
/// <see cref="EvaluationPoints"/> long-run samples (chains of <see cref="EbmSettings.SampleSteps"/>
/// steps from uniform noise, evaluation stream) against as many fresh points: the energy distance,
/// and for the mixtures the fraction within 3σ of a mode and the modes covered. Final metrics: the
/// data-versus-data floor, and the replay buffer's rows scored the same way. Pictures:
/// landscape.png (−E with data and long-run samples over it) and chains.png (the long-run chains
/// at six times). The returned plan owns its optimizer and sampler: dispose it after the run.
/// </summary>
public static class ToyEbmPlan
{
    public const int IterationsPerEpoch = 100;
    public const int EvaluationPoints = 2000;

    public static OwnedPlan Create(EnergyModel model, EbmSettings settings, ToySet set, Generator noise, RunOptions options, int evaluationPoints = EvaluationPoints)
    {
        if (evaluationPoints < 2) throw new ArgumentOutOfRangeException(nameof(evaluationPoints), evaluationPoints, "the distance needs at least two points");
        var optimizer = EbmObjective.Optimizer(model, options.LearningRate);
        var data = new Generator(options.Seed + 1);
        var sampler = new ToySampler(set, options.Batch, model.Device, data);
        var objective = new EbmObjective(model, settings, optimizer, noise);
        bool mixture = ToyData.Modes(set).Count > 0;
        var plan = new TrainingPlan
        {
            Name = EbmCheckpoint.ModelName,
            Module = model,
            Optimizers = [("", optimizer)],
            Metadata = EbmCheckpoint.Metadata(ToyData.NameOf(set), model, settings),
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data"] = data },
            StepsPerEpoch = IterationsPerEpoch,
            ExamplesPerEpoch = IterationsPerEpoch * options.Batch,
            Batches = () => Enumerable.Range(0, IterationsPerEpoch).Select(_ => sampler.Next()),
            TrainTerms = EbmObjective.Terms,
            Iterate = objective.Iterate,
            TestTerms = mixture ? ["test_energy_distance", "test_within_3sigma", "test_modes"] : ["test_energy_distance"],
            Evaluate = stream => Score(LongRun(model, settings, evaluationPoints, stream), set, stream),
            FinalMetrics = stream =>
            {
                var metrics = new Dictionary<string, object?>
                {
                    ["energy_distance_floor"] = Floor(set, stream, evaluationPoints),
                    ["modes_total"] = mixture ? ToyData.Modes(set).Count : null,
                    ["iterations"] = options.Epochs * IterationsPerEpoch,
                    ["evaluation_points"] = evaluationPoints,
                    ["sample_steps"] = settings.SampleSteps,
                };
                var buffer = Score(BufferRows(model, evaluationPoints), set, stream);
                metrics["buffer_energy_distance"] = buffer[0];
                if (mixture) (metrics["buffer_within_3sigma"], metrics["buffer_modes"]) = (buffer[1], buffer[2]);
                return metrics;
            },
            WritePictures = (folder, stream) => EbmPictures.WriteToy(folder, model, settings, set, stream),
            LossUnit = "loss per batch",
            RunFacts = new Dictionary<string, object?> { ["data"] = ToyData.NameOf(set), ["langevin_steps"] = settings.Langevin.Steps },
        };
        return new OwnedPlan(plan, optimizer, sampler);
    }

    /// <summary>n long-run samples on the host: chains from uniform noise (drawn from <paramref name="stream"/>).</summary>
    public static float[] LongRun(EnergyModel model, EbmSettings settings, int n, Generator stream)
    {
        using var scope = new TensorScope();
        return LangevinSampler.FromNoise(model.Energy, n, settings.LongRun, model.Domain, model.Device, stream).ToArray();
    }

    /// <summary>[energy distance] or, for a mixture, [energy distance, within 3σ, modes covered] of the
    /// samples against as many fresh points of <paramref name="stream"/>.</summary>
    public static double[] Score(float[] samples, ToySet set, Generator stream)
    {
        double distance = ToyMetrics.EnergyDistance(samples, ToyData.Sample(set, samples.Length / 2, stream));
        if (ToyData.Modes(set).Count == 0) return [distance];
        var (within, modes) = ToyMetrics.ModeCoverage(samples, set);
        return [distance, within, modes];
    }

    /// <summary>Two fresh data sets of n points against each other: what a perfect model would score.</summary>
    public static double Floor(ToySet set, Generator stream, int n = EvaluationPoints) =>
        ToyMetrics.EnergyDistance(ToyData.Sample(set, n, stream), ToyData.Sample(set, n, stream));

    /// <summary>The replay buffer's first min(n, size) rows on the host: the population of the persistent training chains.</summary>
    public static float[] BufferRows(EnergyModel model, int n)
    {
        using var scope = new TensorScope();
        return model.Replay.Slice(0, Math.Min(n, model.Replay.Shape[0])).ToArray();
    }

    /// <summary>The share of the grid's cells whose −E is raised to the level of the others' lowest (see
    /// <see cref="NegativeEnergyField"/>).</summary>
    public const double ClippedShare = 0.3;

    /// <summary>
    /// −E on an n × n grid over [−extent, extent]² (ToyPicture's layout): the log-density up to its
    /// constant, clipped from below at its <see cref="ClippedShare"/> quantile over the grid. A trained
    /// energy rises steeply towards the square's rim, where there is no data; unclipped, that rise takes
    /// the whole colour scale and the wells where the samples live look flat.
    /// </summary>
    public static double[,] NegativeEnergyField(EnergyModel model, int n, double extent)
    {
        var grid = new float[n * n * 2];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                grid[2 * (r * n + c)] = (float)(-extent + 2 * extent * c / (n - 1));
                grid[2 * (r * n + c) + 1] = (float)(-extent + 2 * extent * r / (n - 1));
            }
        float[] energies;
        using (new TensorScope())
        using (Autograd.NoGrad())
            energies = model.Energy(Tensor.FromArray(grid, Shape.Of(n * n, 2), model.Device)).ToArray();
        var sorted = energies.Select(e => -(double)e).Order().ToArray();
        double floor = sorted[(int)(ClippedShare * (sorted.Length - 1))];
        var field = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) field[r, c] = Math.Max(-energies[r * n + c], floor);
        return field;
    }

    public static string Describe(EbmSettings s) => string.Create(CultureInfo.InvariantCulture,
        $"K {s.Langevin.Steps}, λ {s.Langevin.StepSize}, σ {s.Langevin.Noise}");
}
