using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Output;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen sample ddpm|bfn</c> and <c>gpugen eval ddpm|bfn</c>: what a trained toy chain gives,
/// with the family's sampler options (DDPM: ancestral, or DDIM with --ddim; BFN: --sample-steps updates).</summary>
internal static class DiffusionCheckpointCommands
{
    /// <summary>A checkpoint loaded with its sampler chosen: what sample and eval need, and what to dispose.</summary>
    private sealed record Loaded(Func<int, Generator, Tensor> Sample, string Sampler, ToySet Data, IDisposable Owned)
    {
        /// <summary>The model's own scores (Sohl-Dickstein's bound K), printed after the distances.</summary>
        public Func<ToySet, int, Generator, Dictionary<string, object?>>? Scores { get; init; }
    }

    /// <summary>A family's sampler options and how it loads a checkpoint with them; a family with a digits form
    /// (the binary BFN) also says how it samples and scores digits.</summary>
    private sealed record Family(string Name, Option[] Options, Func<string, Device, ParseResult, Loaded> Load)
    {
        /// <summary>(checkpoint, device, parse, n, stream, output path): writes the digits.</summary>
        public Action<string, Device, ParseResult, int, Generator, string>? SampleDigits { get; init; }

        /// <summary>(checkpoint, device, parse, data folder, stream): the test metrics on digits.</summary>
        public Func<string, Device, ParseResult, string?, Generator, Dictionary<string, object?>>? EvalDigits { get; init; }
    }

    private static Family Ddpm()
    {
        var steps = SampleSteps("DDIM: the number of evenly spaced timesteps to visit (default 50, at most T).");
        var ddim = new Option<bool>("--ddim") { Description = "Sample with DDIM (Song et al. 2021) instead of the ancestral chain." };
        var eta = new Option<float>("--eta") { Description = "DDIM's η: 0 deterministic, 1 as noisy as the ancestral chain.", DefaultValueFactory = _ => 0f };
        eta.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v >= 0 && v <= 1)) r.AddError($"--eta must be in [0, 1], got {v}"); });
        DiffusionSampler How(ParseResult parse, float clip = 0f)
        {
            if (parse.GetValue(ddim)) return DiffusionSampler.DdimSteps(parse.GetValue(steps) ?? 50, parse.GetValue(eta)) with { Clip = clip };
            if (parse.GetResult(steps) is { Implicit: false } || parse.GetResult(eta) is { Implicit: false })
                throw new GpuGenException("ddpm: --sample-steps and --eta are DDIM's: add --ddim (the ancestral chain visits every timestep)", isUsageError: true);
            return DiffusionSampler.Ancestral with { Clip = clip };
        }
        return new Family("ddpm", [steps, ddim, eta], (path, device, parse) =>
        {
            var how = How(parse);
            var (network, schedule, set) = DdpmToy.Load(path, device);
            var ddpm = new Ddpm(network, schedule);
            return new Loaded((n, stream) => DdpmToy.Sample(ddpm, n, stream, how), how.ToString(), set, new Owning(network, schedule));
        })
        {
            SampleDigits = (path, device, parse, n, stream, output) =>
            {
                var how = How(parse, clip: 1f);
                var (network, schedule) = DdpmDigitsPlan.Load(path, device);
                using (network)
                using (schedule)
                using (new TensorScope())
                {
                    var images = DdpmDigitsPlan.Intensities(new Ddpm(network, schedule, eightBitData: true).Sample(n, Shape.Of(1, 28, 28), stream, how)).ToArray();
                    if (SampleOutput.IsNpy(output)) NpyFile.Save(output, images, n, 1, 28, 28);
                    else ImageGrid.SavePng(output, images, n, 28, 28, (int)Math.Ceiling(Math.Sqrt(n)));
                }
            },
            EvalDigits = (path, device, parse, folder, stream) =>
            {
                var (train, test) = Mnist.Load(folder);
                var (network, schedule) = DdpmDigitsPlan.Load(path, device);
                using (network)
                using (schedule)
                using (var judge = GpuGen.Models.Metrics.MnistJudge.Train(train, test, device))
                    return DdpmDigitsPlan.FinalMetrics(new Ddpm(network, schedule, eightBitData: true), judge, test, stream);
            },
        };
    }

    private static Family Bfn()
    {
        var steps = SampleSteps($"The number of Bayesian updates (default {BfnToy.DefaultSteps}).");
        return new Family("bfn", [steps], (path, device, parse) =>
        {
            int count = parse.GetValue(steps) ?? BfnToy.DefaultSteps;
            var (network, flow, set) = BfnToy.Load(path, device);
            var bfn = new ContinuousBfn(network, flow);
            return new Loaded((n, stream) => BfnToy.Sample(bfn, n, stream, count), $"{count} steps", set, network);
        })
        {
            SampleDigits = (path, device, parse, n, stream, output) =>
            {
                var bfn = DigitBfnPlan.Load(path, device);
                using (bfn.Network)
                using (new TensorScope())
                {
                    var images = bfn.Sample(n, stream, parse.GetValue(steps) ?? DigitBfnPlan.SampleSteps).ToArray();
                    if (SampleOutput.IsNpy(output)) NpyFile.Save(output, images, n, 1, 28, 28);
                    else ImageGrid.SavePng(output, images, n, 28, 28, (int)Math.Ceiling(Math.Sqrt(n)));
                }
            },
            EvalDigits = (path, device, parse, folder, stream) =>
            {
                var (_, test) = Mnist.Load(folder);
                var bfn = DigitBfnPlan.Load(path, device);
                using (bfn.Network)
                    return DigitBfnPlan.FinalMetrics(bfn, DigitBfnPlan.Scored(bfn, test), device, 100, stream);
            },
        };
    }

    private static Option<int?> SampleSteps(string description)
    {
        var steps = new Option<int?>("--sample-steps") { Description = description };
        steps.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 1) r.AddError($"--sample-steps must be positive, got {v}"); });
        return steps;
    }

    private static Family SohlDickstein() => new("diffusion", [], (path, device, parse) =>
    {
        var (network, schedule, set) = SohlDicksteinToy.Load(path, device);
        var model = new SohlDicksteinDiffusion(network, schedule);
        return new Loaded((n, stream) => model.Sample(n, stream), "learned reverse chain", set, new Owning(network, schedule))
        {
            Scores = (set, points, stream) => SohlDicksteinToy.Scores(model, set, stream, points),
        };
    });

    public static IEnumerable<Command> Samples(TextWriter stdout, TextWriter stderr) => [Sample(Ddpm(), stderr), Sample(Bfn(), stderr), Sample(SohlDickstein(), stderr)];

    public static IEnumerable<Command> Evals(TextWriter stdout, TextWriter stderr) => [Eval(Ddpm(), stdout), Eval(Bfn(), stdout), Eval(SohlDickstein(), stdout)];

    private static Option<string> CheckpointOption(string name) => new("--checkpoint")
    {
        Description = $"A model.safetensors written by 'gpugen train {name}'.", Required = true, HelpName = "file",
    };

    private static Command Sample(Family family, TextWriter stderr)
    {
        var checkpoint = CheckpointOption(family.Name);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampling noise (and of the data drawn beside the samples).", DefaultValueFactory = _ => 0UL };
        var n = new Option<int>("--n") { Description = "Number of samples.", DefaultValueFactory = _ => 1000 };
        n.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 1 or > 1_000_000) r.AddError("--n must be in [1, 1000000]"); });
        var output = new Option<string>("--out") { Description = "A .png (samples over the data) or a .npy (float32 samples [n, 2]).", DefaultValueFactory = _ => "samples.png", HelpName = "file" };
        var command = new Command(family.Name, $"Draw samples from a {family.Name} checkpoint into a PNG picture or a NumPy .npy array.") { checkpoint, n, seed, output };
        foreach (var option in family.Options) command.Add(option);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool npy = SampleOutput.IsNpy(path);
            if (family.SampleDigits is { } digits && GpuGen.Models.Runner.CheckpointMetadata.IsDigits(parse.GetValue(checkpoint)!))
            {
                digits(parse.GetValue(checkpoint)!, GlobalOptions.ResolveDevice(parse), parse, parse.GetValue(n), new Generator(parse.GetValue(seed)), path);
                stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
                return GpuGenCli.Ok;
            }
            var loaded = family.Load(parse.GetValue(checkpoint)!, GlobalOptions.ResolveDevice(parse), parse);
            using (loaded.Owned)
            {
                var stream = new Generator(parse.GetValue(seed));
                var samples = ToyChainPlan.Points(loaded.Sample, parse.GetValue(n), stream);
                if (npy) NpyFile.Save(path, samples, samples.Length / 2, 2);
                else ToyPicture.SavePng(path, $"{family.Name} samples ({loaded.Sampler}, green) over {ToyChainPlan.DataName(loaded.Data)} (orange)",
                    ToyData.Sample(loaded.Data, samples.Length / 2, stream), samples, null, ToyChainPlan.Extent);
            }
            stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
            return GpuGenCli.Ok;
        });
        return command;
    }

    /// <summary>The run's test terms again (the same evaluation stream for the same seed gives the same numbers), for any sampler.</summary>
    private static Command Eval(Family family, TextWriter stdout)
    {
        var checkpoint = CheckpointOption(family.Name);
        var seed = new Option<ulong>("--seed") { Description = "The training run's --seed: the evaluation stream is seed + 3, as during training.", DefaultValueFactory = _ => 0UL };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var points = TrainOptions.EvalPoints("Toys: samples scored against as many fresh points (give the training run's --eval-points for its numbers).");
        var command = new Command(family.Name, $"Evaluate a {family.Name} checkpoint: the energy distance and sliced Wasserstein-1 distance of its samples to fresh data, beside the data-versus-data floors{(family.EvalDigits is null ? "" : "; on digits, the test losses L^∞, L^n (n = 10, 25, 100) and L^r in nats per image")}.") { checkpoint, seed, points, json };
        foreach (var option in family.Options) command.Add(option);
        var data = new Option<string?>("--data") { Description = "Digits: the folder of MNIST files the run used. Default: the embedded subset.", HelpName = "dir" };
        if (family.EvalDigits is not null) command.Add(data);
        command.SetAction(parse =>
        {
            if (family.EvalDigits is { } digits && GpuGen.Models.Runner.CheckpointMetadata.IsDigits(parse.GetValue(checkpoint)!))
            {
                if (parse.GetResult(points) is { Implicit: false })
                    throw TrainOptions.EvalPointsOnDigits(family.Name);
                var scores = digits(parse.GetValue(checkpoint)!, GlobalOptions.ResolveDevice(parse), parse, parse.GetValue(data), new Generator(parse.GetValue(seed) + 3));
                scores["model"] = family.Name;
                scores["checkpoint"] = parse.GetValue(checkpoint);
                if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(scores));
                else
                    foreach (var (key, value) in scores.Where(e => e.Value is double))
                        stdout.WriteLine($"{key,-28} {value:F3}{(key.Contains("bits_per_dim") ? " bits per dimension" : key.Contains("_loss_") || key.Contains("nll") ? " nats per image" : "")}");
                return GpuGenCli.Ok;
            }
            var loaded = family.Load(parse.GetValue(checkpoint)!, GlobalOptions.ResolveDevice(parse), parse);
            double[] values, floor;
            Dictionary<string, object?> extra;
            using (loaded.Owned)
            {
                var stream = new Generator(parse.GetValue(seed) + 3);
                int n = parse.GetValue(points);
                values = ToyChainPlan.Distances(ToyChainPlan.Points(loaded.Sample, n, stream), loaded.Data, stream);
                floor = ToyChainPlan.Floors(loaded.Data, stream, n);
                // the model's own scores as the run's final metrics drew them: a fresh evaluation stream, the floors first
                var final = new Generator(parse.GetValue(seed) + 3);
                if (loaded.Scores is not null) ToyChainPlan.Floors(loaded.Data, final, n);
                extra = loaded.Scores?.Invoke(loaded.Data, n, final) ?? [];
            }
            var metrics = new Dictionary<string, object?>
            {
                ["model"] = family.Name, ["checkpoint"] = parse.GetValue(checkpoint), ["data"] = ToyChainPlan.DataName(loaded.Data), ["sampler"] = loaded.Sampler,
                ["evaluation_points"] = parse.GetValue(points),
                ["test_energy_distance"] = values[0], ["test_sliced_wasserstein"] = values[1],
                ["energy_distance_floor"] = floor[0], ["sliced_wasserstein_floor"] = floor[1],
            };
            foreach (var (key, value) in extra) metrics[key] = value;
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            else
            {
                stdout.WriteLine($"sampler            {loaded.Sampler}");
                stdout.WriteLine($"energy distance    {values[0]:F4} (data against data: {floor[0]:F4}; {parse.GetValue(points)} points each)");
                stdout.WriteLine($"sliced W1          {values[1]:F4} (data against data: {floor[1]:F4})");
                foreach (var (key, value) in extra) stdout.WriteLine($"{key,-18} {value:F3}");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }

    /// <summary>Disposes several things as one.</summary>
    private sealed class Owning(params IDisposable[] owned) : IDisposable
    {
        public void Dispose()
        {
            foreach (var o in owned) o.Dispose();
        }
    }
}
