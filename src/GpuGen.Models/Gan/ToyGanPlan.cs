using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Gan;

/// <summary>
/// A <see cref="ToyGan"/> on a 2-D toy set as a <see cref="TrainingPlan"/>. An epoch is
/// <see cref="IterationsPerEpoch"/> generator iterations (a checkpoint after each); every
/// iteration draws CriticIters·batch fresh points (seed + 1) and its noise from the model's
/// stream (the seed itself). Optimizers as the papers: WGAN-GP Adam(lr, β 0.5, 0.9), WGAN
/// RMSProp(lr), GAN Adam(lr, β 0.5, 0.999). Test terms (2,000 samples against 2,000 fresh points
/// of an evaluation stream): the energy distance, and for the mixtures the fraction within 3σ of
/// a mode and the modes covered. Pictures: toy.png, the critic's field with data and samples.
/// The returned plan owns its optimizers and sampler: dispose it after the run.
/// </summary>
public static class ToyGanPlan
{
    /// <summary>Generator iterations between checkpoints.</summary>
    public const int IterationsPerEpoch = 100;

    /// <summary>Points compared by the test metrics.</summary>
    public const int EvaluationPoints = 2000;

    public static string NameOf(GanKind kind) => kind switch { GanKind.Gan => "gan", GanKind.ConditionalGan => "cgan", GanKind.Dcgan => "dcgan", GanKind.Wgan => "wgan", _ => "wgan-gp" };

    /// <summary>Epochs for <paramref name="iterations"/> generator iterations: whole epochs of
    /// <see cref="IterationsPerEpoch"/>, or one epoch when fewer.</summary>
    public static (int Epochs, int StepsPerEpoch) Epochs(int iterations) => IterationEpochs.Of(iterations, IterationsPerEpoch, "--iters");

    public static OwnedPlan Create(ToyGan model, GanSettings settings, ToySet set, int stepsPerEpoch, Generator noise, RunOptions options)
    {
        if (settings.CriticIters <= 0) throw new GpuGenException($"--critic-iters must be positive, got {settings.CriticIters}", isUsageError: true);
        if (!(settings.Lambda > 0)) throw new GpuGenException($"--lambda must be positive, got {settings.Lambda}", isUsageError: true);
        string name = NameOf(settings.Kind);
        var (critic, generator) = Optimizers(settings.Kind, model.Critic, model.Generator, options.LearningRate);
        var data = new Generator(options.Seed + 1);
        var sampler = new ToySampler(set, settings.CriticIters * options.Batch, model.Device, data);
        var game = new GanObjective(settings, model.Critic, model.Sample, critic, generator, noise);
        bool mixture = ToyData.Modes(set).Count > 0;
        var plan = new TrainingPlan
        {
            Name = name,
            Module = model,
            Optimizers = [("critic", critic), ("generator", generator)],
            Metadata = Metadata(name, model, settings, set),
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data"] = data },
            StepsPerEpoch = stepsPerEpoch,
            ExamplesPerEpoch = stepsPerEpoch * options.Batch,
            Batches = () => Enumerable.Range(0, stepsPerEpoch).Select(_ => sampler.Next()),
            TrainTerms = settings.Terms,
            Iterate = (real, _) => game.Iterate(real),
            TestTerms = mixture ? ["test_energy_distance", "test_within_3sigma", "test_modes"] : ["test_energy_distance"],
            Evaluate = stream => Evaluate(model, set, stream, mixture),
            FinalMetrics = stream => new Dictionary<string, object?>
            {
                ["energy_distance_floor"] = EnergyDistanceFloor(set, stream),
                ["modes_total"] = mixture ? ToyData.Modes(set).Count : null,
                ["iterations"] = options.Epochs * stepsPerEpoch,
            },
            WritePictures = (folder, stream) =>
            {
                var samples = Points(model, 1000, stream);
                ToyPicture.SavePng(Path.Combine(folder, "toy.png"), $"{name} on {ToyData.NameOf(set)}: critic, data (orange), samples (green)",
                    ToyData.Sample(set, 1000, stream), samples, CriticField(model, 64, 2.5), 2.5);
                return ["toy.png"];
            },
            LossUnit = "loss per batch",
            RunFacts = new Dictionary<string, object?> { ["data"] = ToyData.NameOf(set), ["critic_iters"] = settings.CriticIters },
        };
        return new OwnedPlan(plan, critic, generator, sampler);
    }

    public static Dictionary<string, string> Metadata(string name, ToyGan model, GanSettings settings, ToySet set) =>
        new(Settings(name, settings))
        {
            ["data"] = ToyData.NameOf(set), ["width"] = model.Width.ToString(CultureInfo.InvariantCulture),
            ["depth"] = model.Depth.ToString(CultureInfo.InvariantCulture),
        };

    /// <summary>The game's settings as checkpoint metadata (every GAN family's).</summary>
    public static Dictionary<string, string> Settings(string name, GanSettings settings) => new()
    {
        ["model"] = name,
        ["critic_iters"] = settings.CriticIters.ToString(CultureInfo.InvariantCulture),
        ["lambda"] = settings.Lambda.ToString("R", CultureInfo.InvariantCulture),
        ["clip"] = settings.Clip.ToString("R", CultureInfo.InvariantCulture),
        ["saturating"] = settings.Saturating ? "true" : "false",
    };

    /// <summary>The papers' optimizers for the critic and the generator: WGAN-GP Adam(lr, β 0.5, 0.9),
    /// WGAN RMSProp(lr), GAN and DCGAN Adam(lr, β 0.5, 0.999).</summary>
    public static (Optimizer Critic, Optimizer Generator) Optimizers(GanKind kind, GpuGen.Nn.Module critic, GpuGen.Nn.Module generator, float lr)
    {
        Optimizer Make(GpuGen.Nn.Module m) => kind switch
        {
            GanKind.WganGp => new Adam(m.NamedParameters(), lr, 0.5f, 0.9f),
            GanKind.Wgan => new RmsProp(m.NamedParameters(), lr),
            _ => new Adam(m.NamedParameters(), lr, 0.5f, 0.999f),
        };
        return (Make(critic), Make(generator));
    }

    /// <summary>[energy distance, within 3σ, modes] (mixtures) or [energy distance] of
    /// <see cref="EvaluationPoints"/> samples against as many fresh points.</summary>
    public static double[] Evaluate(ToyGan model, ToySet set, Generator stream, bool mixture)
    {
        var samples = Points(model, EvaluationPoints, stream);
        double energy = ToyMetrics.EnergyDistance(samples, ToyData.Sample(set, EvaluationPoints, stream));
        if (!mixture) return [energy];
        var (within, modes) = ToyMetrics.ModeCoverage(samples, set);
        return [energy, within, modes];
    }

    /// <summary>The energy distance between two fresh data sets of <see cref="EvaluationPoints"/> each:
    /// what a perfect model would score, printed beside the model's.</summary>
    public static double EnergyDistanceFloor(ToySet set, Generator stream) =>
        ToyMetrics.EnergyDistance(ToyData.Sample(set, EvaluationPoints, stream), ToyData.Sample(set, EvaluationPoints, stream));

    /// <summary>n generated points on the host.</summary>
    public static float[] Points(ToyGan model, int n, Generator stream)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        return model.Sample(n, stream).ToArray();
    }

    /// <summary>The critic on an n × n grid over [−extent, extent]².</summary>
    public static double[,] CriticField(ToyGan model, int n, double extent)
    {
        var grid = new float[n * n * 2];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                grid[2 * (r * n + c)] = (float)(-extent + 2 * extent * c / (n - 1));
                grid[2 * (r * n + c) + 1] = (float)(-extent + 2 * extent * r / (n - 1));
            }
        float[] values;
        using (new TensorScope())
        using (Autograd.NoGrad())
            values = model.Critic.Forward(Tensor.FromArray(grid, Shape.Of(n * n, 2), model.Device)).ToArray();
        var field = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) field[r, c] = values[r * n + c];
        return field;
    }
}
