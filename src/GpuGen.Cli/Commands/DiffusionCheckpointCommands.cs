using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.IO;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Output;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen sample ddpm</c> and <c>gpugen eval ddpm</c>: what a trained toy DDPM gives, by ancestral or DDIM sampling.</summary>
internal static class DiffusionCheckpointCommands
{
    private static Option<string> CheckpointOption() => new("--checkpoint")
    {
        Description = "A model.safetensors written by 'gpugen train ddpm'.", Required = true, HelpName = "file",
    };

    private sealed record SamplerOptions(Option<int?> Steps, Option<bool> Ddim, Option<float> Eta)
    {
        public static SamplerOptions Create()
        {
            var steps = new Option<int?>("--sample-steps") { Description = "DDIM: the number of evenly spaced timesteps to visit (default 50, at most T)." };
            steps.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 1) r.AddError($"--sample-steps must be positive, got {v}"); });
            var ddim = new Option<bool>("--ddim") { Description = "Sample with DDIM (Song et al. 2021) instead of the ancestral chain." };
            var eta = new Option<float>("--eta") { Description = "DDIM's η: 0 deterministic, 1 as noisy as the ancestral chain.", DefaultValueFactory = _ => 0f };
            eta.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v >= 0 && v <= 1)) r.AddError($"--eta must be in [0, 1], got {v}"); });
            return new SamplerOptions(steps, ddim, eta);
        }

        public IEnumerable<Option> All => [Steps, Ddim, Eta];

        public DiffusionSampler Resolve(ParseResult parse)
        {
            if (!parse.GetValue(Ddim))
            {
                if (parse.GetResult(Steps) is { Implicit: false } || parse.GetResult(Eta) is { Implicit: false })
                    throw new GpuGenException("ddpm: --sample-steps and --eta are DDIM's: add --ddim (the ancestral chain visits every timestep)", isUsageError: true);
                return DiffusionSampler.Ancestral;
            }
            return DiffusionSampler.DdimSteps(parse.GetValue(Steps) ?? 50, parse.GetValue(Eta));
        }
    }

    public static Command Sample(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = CheckpointOption();
        var sampler = SamplerOptions.Create();
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampling noise (and of the data drawn beside the samples).", DefaultValueFactory = _ => 0UL };
        var n = new Option<int>("--n") { Description = "Number of samples.", DefaultValueFactory = _ => 1000 };
        n.Validators.Add(r => { if (TrainOptions.Value<int>(r) is < 1 or > 1_000_000) r.AddError("--n must be in [1, 1000000]"); });
        var output = new Option<string>("--out") { Description = "A .png (samples over the data) or a .npy (float32 samples [n, 2]).", DefaultValueFactory = _ => "samples.png", HelpName = "file" };
        var command = new Command("ddpm", "Draw samples from a ddpm checkpoint (ancestral, or DDIM with --ddim) into a PNG picture or a NumPy .npy array.") { checkpoint, n, seed, output };
        foreach (var option in sampler.All) command.Add(option);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            bool npy = SampleOutput.IsNpy(path);
            var device = GlobalOptions.ResolveDevice(parse);
            var (network, schedule, set) = DdpmCheckpoint.Load(parse.GetValue(checkpoint)!, device);
            using (network)
            using (schedule)
            {
                var how = sampler.Resolve(parse);
                var stream = new Generator(parse.GetValue(seed));
                var samples = DdpmToyPlan.Points(new Ddpm(network, schedule), parse.GetValue(n), stream, how);
                if (npy) NpyFile.Save(path, samples, samples.Length / 2, 2);
                else ToyPicture.SavePng(path, $"ddpm samples ({how}, green) over {DdpmToyPlan.DataName(set)} (orange)",
                    ToyData.Sample(set, samples.Length / 2, stream), samples, null, DdpmToyPlan.Extent);
            }
            stderr.WriteLine($"wrote {Path.GetFullPath(path)}");
            return GpuGenCli.Ok;
        });
        return command;
    }

    /// <summary>The run's test terms again (the same evaluation stream for the same seed, so the same numbers), for any sampler.</summary>
    public static Command Eval(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = CheckpointOption();
        var sampler = SamplerOptions.Create();
        var seed = new Option<ulong>("--seed") { Description = "The training run's --seed: the evaluation stream is seed + 3, as during training.", DefaultValueFactory = _ => 0UL };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var command = new Command("ddpm", "Evaluate a ddpm checkpoint: the energy distance and sliced Wasserstein-1 distance of its samples to fresh data, beside the data-versus-data floors.") { checkpoint, seed, json };
        foreach (var option in sampler.All) command.Add(option);
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            var (network, schedule, set) = DdpmCheckpoint.Load(parse.GetValue(checkpoint)!, device);
            double[] values, floor;
            var how = sampler.Resolve(parse);
            using (network)
            using (schedule)
            {
                var stream = new Generator(parse.GetValue(seed) + 3);
                values = DdpmToyPlan.Distances(DdpmToyPlan.Points(new Ddpm(network, schedule), DdpmToyPlan.EvaluationPoints, stream, how), set, stream);
                floor = DdpmToyPlan.Distances(ToyData.Sample(set, DdpmToyPlan.EvaluationPoints, stream), set, stream);
            }
            var metrics = new Dictionary<string, object?>
            {
                ["model"] = "ddpm", ["checkpoint"] = parse.GetValue(checkpoint), ["data"] = DdpmToyPlan.DataName(set), ["sampler"] = how.ToString(),
                ["test_energy_distance"] = values[0], ["test_sliced_wasserstein"] = values[1],
                ["energy_distance_floor"] = floor[0], ["sliced_wasserstein_floor"] = floor[1],
            };
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(metrics));
            else
            {
                stdout.WriteLine($"sampler            {how}");
                stdout.WriteLine($"energy distance    {values[0]:F4} (data against data: {floor[0]:F4}; {DdpmToyPlan.EvaluationPoints} points each)");
                stdout.WriteLine($"sliced W1          {values[1]:F4} (data against data: {floor[1]:F4})");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }
}
