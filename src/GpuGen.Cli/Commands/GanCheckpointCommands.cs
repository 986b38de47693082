using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Gan;
using GpuGen.Models.Metrics;
using GpuGen.Models.Output;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen sample gan|cgan|dcgan|wgan|wgan-gp</c> and <c>gpugen eval …</c>: what a trained GAN gives, on the toys or digits.</summary>
internal static class GanCheckpointCommands
{
    private static Option<string> CheckpointOption(string name) => new("--checkpoint")
    {
        Description = $"A model.safetensors written by 'gpugen train {name}'.", Required = true, HelpName = "file",
    };

    private static Option<ulong> SeedOption() => new("--seed") { Description = "Seed of the noise z (and of the fresh data compared).", DefaultValueFactory = _ => 0UL };

    /// <summary>n samples into a PNG (samples over data and the critic's field) or a .npy array [n, 2].</summary>
    public static Command Sample(GanKind kind, TextWriter stdout, TextWriter stderr)
    {
        string name = ToyGanPlan.NameOf(kind);
        var checkpoint = CheckpointOption(name);
        var seed = SeedOption();
        var n = new Option<int>("--n") { Description = "Number of samples.", DefaultValueFactory = _ => 1000 };
        n.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 1 or > 1_000_000) r.AddError("--n must be in [1, 1000000]"); });
        var output = new Option<string>("--out") { Description = "A .png (toys: samples over the data and the critic; digits: a grid) or a .npy (float32 samples: [n, 2] for the toys, [n, 1, 28, 28] in [0, 1] for digits).", DefaultValueFactory = _ => "samples.png", HelpName = "file" };
        var label = new Option<int?>("--label") { Description = "cgan: the digit to draw (0–9). Without it a PNG shows one row per class and a .npy cycles through them." };
        label.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v is < 0 or > 9) r.AddError($"--label must be a digit 0–9, got {v}"); });
        var command = new Command(name, $"Draw samples from a {name} checkpoint into a PNG picture or a NumPy .npy array.") { checkpoint, n, seed, output };
        if (kind == GanKind.ConditionalGan) command.Add(label);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool npy = SampleOutput.IsNpy(path);
            var device = GlobalOptions.ResolveDevice(parse);
            if (MnistGanCheckpoint.IsDigits(parse.GetValue(checkpoint)!))
            {
                SampleDigits(parse.GetValue(checkpoint)!, kind, device, parse.GetValue(n), parse.GetValue(label), new Generator(parse.GetValue(seed)), path, npy);
                stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
                return GpuGenCli.Ok;
            }
            var (model, _, set) = ToyGanCheckpoint.Load(parse.GetValue(checkpoint)!, kind, device);
            using (model)
            {
                var noise = new Generator(parse.GetValue(seed));
                var samples = ToyGanPlan.Points(model, parse.GetValue(n), noise);
                if (npy) NpyFile.Save(path, samples, samples.Length / 2, 2);
                else ToyPicture.SavePng(path, $"{name} samples (green) over {ToyData.NameOf(set)} (orange) and the critic",
                    ToyData.Sample(set, samples.Length / 2, noise), samples, ToyGanPlan.CriticField(model, 64, 2.5), 2.5);
            }
            stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
            return GpuGenCli.Ok;
        });
        return command;
    }

    /// <summary>The toy metrics of a checkpoint, as training reported them (the same evaluation stream for the same seed).</summary>
    public static Command Eval(GanKind kind, TextWriter stdout, TextWriter stderr)
    {
        string name = ToyGanPlan.NameOf(kind);
        var checkpoint = CheckpointOption(name);
        var seed = new Option<ulong>("--seed") { Description = "The training run's --seed: the evaluation stream is seed + 3, as during training.", DefaultValueFactory = _ => 0UL };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var data = new Option<string?>("--data") { Description = "Digits: the folder of MNIST files the run used. Default: the embedded subset.", HelpName = "dir" };
        var command = new Command(name, $"Evaluate a {name} checkpoint: toys, the energy distance to fresh data (with the data-versus-data floor) and mode coverage; digits, the judge's Fréchet distance, confidence and label entropy.") { checkpoint, seed, json, data };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            if (MnistGanCheckpoint.IsDigits(parse.GetValue(checkpoint)!))
                return EvalDigits(parse.GetValue(checkpoint)!, kind, device, parse.GetValue(data), parse.GetValue(seed), parse.GetValue(json), stdout);
            var (model, _, set) = ToyGanCheckpoint.Load(parse.GetValue(checkpoint)!, kind, device);
            double[] values;
            double floor;
            using (model)
            {
                bool mixture = ToyData.Modes(set).Count > 0;
                values = ToyGanPlan.Evaluate(model, set, new Generator(parse.GetValue(seed) + 3), mixture);
                floor = ToyGanPlan.EnergyDistanceFloor(set, new Generator(parse.GetValue(seed) + 3));
            }
            var metrics = new Dictionary<string, object?>
            {
                ["model"] = name, ["checkpoint"] = parse.GetValue(checkpoint), ["data"] = ToyData.NameOf(set),
                ["test_energy_distance"] = values[0], ["energy_distance_floor"] = floor,
            };
            if (values.Length == 3)
            {
                metrics["test_within_3sigma"] = values[1];
                metrics["test_modes"] = values[2];
                metrics["modes_total"] = ToyData.Modes(set).Count;
            }
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            else
            {
                stdout.WriteLine($"energy distance   {values[0]:F4} (data against data: {floor:F4}; {ToyGanPlan.EvaluationPoints} points each)");
                if (values.Length == 3)
                    stdout.WriteLine($"modes covered     {values[2]:F0} of {ToyData.Modes(set).Count}, {values[1]:P1} of samples within 3σ of a mode");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }

    private static void SampleDigits(string checkpoint, GanKind kind, Device device, int n, int? label, Generator noise, string path, bool npy)
    {
        var (model, _) = MnistGanCheckpoint.Load(checkpoint, kind, device);
        using (model)
        using (new TensorScope())
        using (Autograd.NoGrad())
        {
            model.Eval();
            if (model.Conditional && label is null && !npy)
            {
                MnistGanPlan.Grid(model, path, noise); // one row per class
                return;
            }
            var samples = model.SampleMany(n, noise, label is { } digit ? Enumerable.Repeat(digit, n).ToArray() : null).ToArray();
            if (npy) NpyFile.Save(path, samples, n, 1, 28, 28);
            else ImageGrid.SavePng(path, samples, n, 28, 28, (int)Math.Ceiling(Math.Sqrt(n)));
        }
    }

    /// <summary>The training run's test terms again: the same judge (trained with the same seed on the
    /// same digits) and the same evaluation stream (seed + 3) give the same numbers.</summary>
    private static int EvalDigits(string checkpoint, GanKind kind, Device device, string? folder, ulong seed, bool json, TextWriter stdout)
    {
        var (train, test) = Mnist.Load(folder);
        var (model, _) = MnistGanCheckpoint.Load(checkpoint, kind, device);
        Dictionary<string, object?> scores;
        using (model)
        using (var judge = MnistJudge.Train(train, test, device))
        {
            scores = MnistGanPlan.Score(model, judge, test, Math.Min(MnistGanPlan.EvaluationSamples, test.Count), new Generator(seed + 3));
            foreach (var (key, value) in MnistGanPlan.Parzen(model, test, new Generator(seed + 3))) scores[key] = value;
        }
        scores["model"] = ToyGanPlan.NameOf(kind);
        scores["checkpoint"] = checkpoint;
        if (json) stdout.WriteLine(JsonSerializer.Serialize(scores));
        else
        {
            stdout.WriteLine($"Fréchet distance   {scores["test_frechet_distance"]:F2} (judge features; judge test accuracy {scores["judge_test_accuracy"]:P1})");
            stdout.WriteLine($"mean max-softmax   {scores["test_mean_max_softmax"]:F4}");
            stdout.WriteLine($"label entropy      {scores["test_label_entropy"]:F4} nats (ln 10 = 2.3026)");
            stdout.WriteLine($"Parzen log-lik.    {scores["test_parzen_log_likelihood"]:F1} nats (σ {scores["parzen_sigma"]}; the GAN paper: 225 ± 2 on full MNIST)");
        }
        return GpuGenCli.Ok;
    }
}
