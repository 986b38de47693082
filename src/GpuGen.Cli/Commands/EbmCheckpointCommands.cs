using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.EnergyBased;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen sample ebm</c> and <c>gpugen eval ebm</c>: long-run Langevin samples of a trained
/// energy-based model, and their scores as training reported them.</summary>
internal static class EbmCheckpointCommands
{
    private static Option<string> CheckpointOption() => new("--checkpoint")
    {
        Description = "A model.safetensors written by 'gpugen train ebm'.", Required = true, HelpName = "file",
    };

    private static Option<int?> StepsOption() => Positive(new Option<int?>("--steps")
    {
        Description = "Langevin steps of each chain from uniform noise (default: the run's --sample-steps), with the run's step size and noise.", HelpName = "n",
    });

    /// <summary>n long-run samples into a PNG (toys: over the energy landscape; digits: a grid) or a .npy array.</summary>
    public static Command Sample(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = CheckpointOption();
        var steps = StepsOption();
        var n = new Option<int?>("--n") { Description = "Number of samples (default: toys 1000, digits 64)." };
        n.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v is < 1 or > 1_000_000) r.AddError($"--n must be in [1, 1000000], got {v}"); });
        var seed = new Option<ulong>("--seed") { Description = "Seed of the chains' starts and noise.", DefaultValueFactory = _ => 0UL };
        var output = new Option<string>("--out") { Description = "A .png (toys: samples over the data and −E; digits: a grid) or a .npy (float32: [n, 2] for the toys, [n, 1, 28, 28] in [0, 1] for digits).", DefaultValueFactory = _ => "samples.png", HelpName = "file" };
        var command = new Command(EbmCheckpoint.ModelName, "Draw samples from an ebm checkpoint by Langevin dynamics from uniform noise into a PNG picture or a NumPy .npy array.")
        {
            checkpoint, n, steps, seed, output,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool npy = SampleOutput.IsNpy(path);
            var device = GlobalOptions.ResolveDevice(parse);
            var (model, settings, toy) = EbmCheckpoint.Load(parse.GetValue(checkpoint)!, device);
            using (model)
            {
                var chains = settings.LongRun.WithSteps(parse.GetValue(steps) ?? settings.SampleSteps);
                int count = parse.GetValue(n) ?? (toy is null ? 64 : 1000);
                var stream = new Generator(parse.GetValue(seed));
                float[] samples;
                using (new TensorScope())
                    samples = LangevinSampler.FromNoise(model.Energy, count, chains, model.Domain, device, stream).ToArray();
                if (npy && toy is null) NpyFile.Save(path, samples, count, 1, 28, 28);
                else if (npy) NpyFile.Save(path, samples, count, 2);
                else if (toy is { } set)
                    ToyPicture.SavePng(path, $"ebm: {chains.Steps}-step Langevin samples (green) over {ToyData.NameOf(set)} (orange) and −E",
                        ToyData.Sample(set, count, stream), samples, ToyEbmPlan.NegativeEnergyField(model, 128, EbmPictures.ToyExtent), EbmPictures.ToyExtent);
                else ImageGrid.SavePng(path, samples, count, 28, 28, (int)Math.Ceiling(Math.Sqrt(count)));
            }
            stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
            return GpuGenCli.Ok;
        });
        return command;
    }

    /// <summary>The training run's test metrics again: the same evaluation stream (seed + 3), chains and (digits) judge give the same numbers.</summary>
    public static Command Eval(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = CheckpointOption();
        var steps = StepsOption();
        var seed = new Option<ulong>("--seed") { Description = "The training run's --seed: the evaluation stream is seed + 3, as during training.", DefaultValueFactory = _ => 0UL };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var data = new Option<string?>("--data") { Description = "Digits: the folder of MNIST files the run used. Default: the embedded subset.", HelpName = "dir" };
        var command = new Command(EbmCheckpoint.ModelName,
            "Evaluate an ebm checkpoint by long-run Langevin samples from noise: toys, the energy distance to fresh data (with the data-versus-data floor) and mode coverage; digits, the judge's Fréchet distance, confidence and label entropy.")
        {
            checkpoint, steps, seed, json, data,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            string path = parse.GetValue(checkpoint)!;
            var (model, settings, toy) = EbmCheckpoint.Load(path, device);
            Dictionary<string, object?> metrics;
            using (model)
            {
                settings = settings with { SampleSteps = parse.GetValue(steps) ?? settings.SampleSteps };
                metrics = toy is { } set ? EvalToy(model, settings, set, parse.GetValue(seed)) : EvalDigits(model, settings, parse.GetValue(data), parse.GetValue(seed), device);
            }
            metrics["model"] = EbmCheckpoint.ModelName;
            metrics["checkpoint"] = path;
            metrics["sample_steps"] = settings.SampleSteps;
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            else if (toy is { } set)
            {
                stdout.WriteLine($"energy distance   {metrics["test_energy_distance"]:F4} (data against data: {metrics["energy_distance_floor"]:F4}; {ToyEbmPlan.EvaluationPoints} points each, {settings.SampleSteps}-step chains)");
                if (metrics.ContainsKey("test_modes"))
                    stdout.WriteLine($"modes covered     {metrics["test_modes"]:F0} of {ToyData.Modes(set).Count}, {metrics["test_within_3sigma"]:P1} of samples within 3σ of a mode");
            }
            else
            {
                stdout.WriteLine($"Fréchet distance   {metrics["test_frechet_distance"]:F2} (judge features; judge test accuracy {metrics["judge_test_accuracy"]:P1}; {metrics["evaluation_samples"]} samples of {settings.SampleSteps}-step chains)");
                stdout.WriteLine($"mean max-softmax   {metrics["test_mean_max_softmax"]:F4}");
                stdout.WriteLine($"label entropy      {metrics["test_label_entropy"]:F4} nats (ln 10 = 2.3026)");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static Dictionary<string, object?> EvalToy(EnergyModel model, EbmSettings settings, ToySet set, ulong seed)
    {
        var stream = new Generator(seed + 3); // as the runner's evaluation: the chains, then the fresh points, from one stream
        var values = ToyEbmPlan.Score(ToyEbmPlan.LongRun(model, settings, ToyEbmPlan.EvaluationPoints, stream), set, stream);
        var metrics = new Dictionary<string, object?>
        {
            ["data"] = ToyData.NameOf(set), ["test_energy_distance"] = values[0],
            ["energy_distance_floor"] = ToyEbmPlan.Floor(set, new Generator(seed + 3)),
        };
        if (values.Length == 3) (metrics["test_within_3sigma"], metrics["test_modes"], metrics["modes_total"]) = (values[1], values[2], ToyData.Modes(set).Count);
        return metrics;
    }

    private static Dictionary<string, object?> EvalDigits(EnergyModel model, EbmSettings settings, string? folder, ulong seed, Device device)
    {
        var (train, test) = Mnist.Load(folder);
        using var judge = MnistJudge.Train(train, test, device);
        int count = Math.Min(DigitEbmPlan.EvaluationSamples, test.Count);
        var scores = DigitEbmPlan.Score(model, settings, judge, test, count, new Generator(seed + 3));
        scores["data"] = "mnist";
        scores["judge_test_accuracy"] = judge.TestAccuracy;
        scores["evaluation_samples"] = count;
        return scores;
    }

    private static Option<int?> Positive(Option<int?> option)
    {
        option.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 1) r.AddError($"{option.Name} must be at least 1, got {v}"); });
        return option;
    }
}
