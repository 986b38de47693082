using System.Globalization;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// DDPM on MNIST digits (Ho et al. 2020) as a <see cref="TrainingPlan"/>: the network (the <see cref="UNet"/>, or
/// the <see cref="DigitFlowMlp"/> with --net mlp) predicts
/// the noise of digits scaled to [−1, 1] under the simple loss, Adam(lr), digits in a seeded order
/// (seed + 1). Test term after each epoch: the simple loss on the test split. Final metrics: the judge's
/// Fréchet distance, mean max-softmax and label entropy of <see cref="ScoredSamples"/> samples drawn by
/// DDIM (<see cref="SampleSteps"/> steps, η 0, x̂₀ clipped to [−1, 1]) against as many test digits, and
/// the variational bound in bits per dimension on <see cref="BoundImages"/> test digits (see
/// <see cref="Ddpm.BoundTerms"/>). Pictures: samples.png (64 DDIM samples) and chain.png (x over the DDIM
/// steps for eight of them). With an average decay above 0 (the default, <see cref="DefaultAverageDecay"/>) a
/// <see cref="ParameterAverage"/> follows Adam (checkpointed as optimizer 'ema', Adam as 'adam'), and the
/// evaluations, metrics, pictures and <see cref="Load"/> use the averaged weights, as Ho et al. sample from theirs.
/// The returned plan owns its optimizers and the judge.
/// </summary>
public static class DdpmDigitsPlan
{
    public const float DefaultAverageDecay = 0.999f;
    public const int ScoredSamples = 500, SampleSteps = 50, BoundImages = 200, BoundTimesteps = 10;

    /// <summary>The sampler of the metrics and pictures: DDIM, 50 steps, η 0, x̂₀ clipped to the data's range.</summary>
    public static readonly DiffusionSampler Sampler = new(true, SampleSteps, 0f, Clip: 1f);

    /// <summary>Digits [n, 784] in [0, 1] as the model reads them: [n, 1, 28, 28] in [−1, 1].</summary>
    public static Tensor Scale(Tensor images) => Ops.Sub(Ops.Mul(images, 2f), 1f).Reshape(-1, 1, 28, 28);

    /// <summary>Model samples [n, 1, 28, 28] back to intensities [n, 784] in [0, 1].</summary>
    public static Tensor Intensities(Tensor samples) => Ops.Clamp(Ops.Mul(Ops.Add(samples, 1f), 0.5f), 0f, 1f).Reshape(samples.Shape[0], -1);

    public static OwnedPlan Create(DenoisingNetwork network, DigitNetworkSpec spec, NoiseSchedule schedule, MnistSplit train, MnistSplit test, Generator noise, RunOptions options,
        DdpmObjective objective = DdpmObjective.Simple, float averageDecay = DefaultAverageDecay)
    {
        var device = Sampling.DeviceOf(network);
        var ddpm = new Ddpm(network, schedule, objective, eightBitData: true);
        var adam = new Adam(network.NamedParameters(), options.LearningRate);
        var average = averageDecay > 0 ? new ParameterAverage(network.NamedParameters(), averageDecay) : null;
        // the averaged weights while evaluating or sampling, the trained ones again afterwards
        T Averaged<T>(Func<T> use)
        {
            using var scope = average?.UseAverages();
            return use();
        }
        var order = new Generator(options.Seed + 1);
        var loader = new BatchLoader(train, options.Batch, device, order);
        var judge = new Lazy<MnistJudge>(() => MnistJudge.Train(train, test, device));
        var plan = new TrainingPlan
        {
            Name = "ddpm",
            Module = network,
            Optimizers = average is null ? [("", adam)] : [("adam", adam), (AverageName, average)],
            Metadata = Metadata(spec, schedule, objective, averageDecay),
            Streams = new Dictionary<string, Generator> { ["model"] = noise, ["data_order"] = order },
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = train.Count,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = ["loss"],
            Iterate = (images, step) =>
            {
                double loss = Training.Step("ddpm", adam, ddpm.Loss(Scale(images), noise), step.Epoch, step.Step);
                average?.Step();
                return [loss];
            },
            TestTerms = ["test_loss"],
            Evaluate = stream => Averaged(() => Training.Average(network, test, device, options.Batch, x => [ddpm.Loss(Scale(x), stream).Item()])),
            FinalMetrics = stream => Averaged(() => FinalMetrics(ddpm, judge.Value, test, stream)),
            WritePictures = (folder, stream) => Averaged(() => WritePictures(folder, ddpm, stream)),
            LossUnit = objective == DdpmObjective.Simple ? "mean squared noise error" : "bound's sampled terms, nats per dimension",
            RunFacts = new Dictionary<string, object?> { ["data"] = "mnist", ["timesteps"] = schedule.Steps, ["beta_schedule"] = schedule.Name },
        };
        return new OwnedPlan(plan, adam, average, new JudgeOwner(judge));
    }

    /// <summary>The checkpoint's name for the parameter average.</summary>
    public const string AverageName = "ema";

    public static Dictionary<string, string> Metadata(DigitNetworkSpec spec, NoiseSchedule schedule, DdpmObjective objective, float averageDecay) => new(spec.Metadata())
    {
        ["average_decay"] = averageDecay.ToString("R", CultureInfo.InvariantCulture),
        ["model"] = "ddpm", ["data"] = "mnist", ["objective"] = DdpmToy.ObjectiveName(objective),
        ["timesteps"] = schedule.Steps.ToString(CultureInfo.InvariantCulture),
        ["beta_schedule"] = NoiseSchedule.NameOf(schedule.Kind),
        ["beta_start"] = schedule.Start.ToString("R", CultureInfo.InvariantCulture),
        ["beta_end"] = schedule.End.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The network and schedule a <c>gpugen train ddpm --data mnist</c> checkpoint describes, loaded with its averaged
    /// weights where the run kept an average (the trained ones otherwise); the caller owns both.</summary>
    public static (DenoisingNetwork Network, NoiseSchedule Schedule) Load(string path, Device device)
    {
        var meta = new CheckpointMetadata(path, "ddpm");
        var schedule = NoiseSchedule.Create(meta.Named("beta_schedule", NoiseSchedule.Names), meta.Size("timesteps"), meta.Number("beta_start"), meta.Number("beta_end"));
        try
        {
            var network = DigitNetworkSpec.Load(meta, "unet", device, 1);
            try
            {
                meta.LoadAveragesInto(network, AverageName);
            }
            catch
            {
                network.Dispose();
                throw;
            }
            return (network, schedule);
        }
        catch
        {
            schedule.Dispose();
            throw;
        }
    }

    /// <summary>The judge's scores of DDIM samples and the bound in bits per dimension, from the stream.</summary>
    public static Dictionary<string, object?> FinalMetrics(Ddpm ddpm, MnistJudge judge, MnistSplit test, Generator stream)
    {
        var device = Sampling.DeviceOf(ddpm.Network);
        int count = Math.Min(ScoredSamples, test.Count);
        Dictionary<string, object?> scores;
        using (new TensorScope())
        {
            var samples = Ops.Concat(Enumerable.Range(0, (count + 99) / 100)
                .Select(b => Intensities(ddpm.Sample(Math.Min(100, count - 100 * b), Shape.Of(1, 28, 28), stream, Sampler))).ToArray(), 0);
            scores = judge.Score(samples, test.Images(Enumerable.Range(0, count).ToArray(), device));
        }
        scores["sampler"] = Sampler.ToString();
        scores["scored_samples"] = count;
        int images = Math.Min(BoundImages, test.Count);
        using (new TensorScope())
        {
            var x0 = Scale(test.Images(Enumerable.Range(0, images).ToArray(), device));
            scores["test_bits_per_dim"] = ddpm.BitsPerDimension(x0, BoundTimesteps, stream);
        }
        scores["bound_images"] = images;
        return scores;
    }

    private static IReadOnlyList<string> WritePictures(string folder, Ddpm ddpm, Generator stream)
    {
        var states = new List<float[]>();
        float[] samples;
        using (new TensorScope())
            samples = Intensities(ddpm.Sample(64, Shape.Of(1, 28, 28), stream, Sampler,
                (_, x) => states.Add(Intensities(Ops.Narrow(x, 0, 0, 8)).ToArray()))).ToArray();
        ImageGrid.SavePng(Path.Combine(folder, "samples.png"), samples, 64, 28, 28, 8);
        var shown = Enumerable.Range(0, 6).SelectMany(k => states[(int)Math.Round(k * (states.Count - 1) / 5.0)]).ToArray();
        ImageGrid.SavePng(Path.Combine(folder, "chain.png"), shown, 48, 28, 28, 8);
        return ["samples.png", "chain.png"];
    }

    /// <summary>Disposes the judge if the run made one.</summary>
    private sealed class JudgeOwner(Lazy<MnistJudge> judge) : IDisposable
    {
        public void Dispose()
        {
            if (judge.IsValueCreated) judge.Value.Dispose();
        }
    }
}
