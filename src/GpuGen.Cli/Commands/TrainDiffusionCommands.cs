using System.CommandLine;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train ddpm</c>: options → <see cref="ToyDenoiser"/> and <see cref="NoiseSchedule"/> →
/// <see cref="DdpmToyPlan"/>, then the shared <see cref="TrainRun"/>. Defaults as the DDPM toy
/// protocol: the swiss roll, T = 100, β linear from 1e-4 to 0.05, three 128-wide SiLU layers on the
/// point and a 32-d embedding of t, batch 256 of fresh points, Adam 1e-3, 5,000 steps.
/// </summary>
internal static class TrainDiffusionCommands
{
    public static Command Ddpm(TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions("ddpm", 1e-3f);
        common.Data.Description = $"The data: {string.Join(", ", DdpmToyPlan.DataNames.Keys)} (2-D toys; swissroll is the DDPM toy's roll: noise 0.5, / 10).";
        common.Data.DefaultValueFactory = _ => "swissroll";
        common.Data.HelpName = "name";
        common.Batch.DefaultValueFactory = _ => 256;
        common.Epochs.Description = "Not for the toys: they count --steps.";
        var steps = common.Extendable(common.Shaping(TrainOptions.Positive(new Option<int>("--steps") { Description = $"Training steps (a checkpoint every {DdpmToyPlan.StepsPerEpoch}).", DefaultValueFactory = _ => 5000 })));
        var timesteps = common.Shaping(new Option<int>("--timesteps") { Description = "T, the number of noising steps.", DefaultValueFactory = _ => 100 });
        timesteps.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--timesteps must be at least 2, got {v}"); });
        var schedule = common.Shaping(new Option<string>("--beta-schedule") { Description = "β_t: linear (Ho et al.), cosine (Nichol & Dhariwal) or sohl-dickstein (1/(T − t + 1), plus --beta-start on the first step).", DefaultValueFactory = _ => "linear" });
        schedule.AcceptOnlyFromAmong([.. NoiseSchedule.Names.Keys]);
        var betaStart = common.Shaping(Beta(new Option<double>("--beta-start") { Description = "β of the first step (linear; sohl-dickstein: added to the first step).", DefaultValueFactory = _ => 1e-4 }));
        var betaEnd = common.Shaping(Beta(new Option<double>("--beta-end") { Description = "β of the last step (linear).", DefaultValueFactory = _ => 0.05 }));
        var width = common.Shaping(TrainOptions.Positive(new Option<int>("--width") { Description = "Units of each hidden SiLU layer.", DefaultValueFactory = _ => 128 }));
        var depth = common.Shaping(TrainOptions.Positive(new Option<int>("--depth") { Description = "Hidden layers.", DefaultValueFactory = _ => 3 }));
        var command = new Command("ddpm", "Train a DDPM (Ho et al. 2020) on a 2-D toy: ε-prediction with the simple loss, ancestral and DDIM sampling.")
        {
            steps, timesteps, schedule, betaStart, betaEnd, width, depth,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            bool resuming = parse.GetValue(common.Resume) is not null;
            parse = common.ResolveResume(parse);
            string dataName = parse.GetValue(common.Data) ?? "swissroll";
            if (!DdpmToyPlan.DataNames.TryGetValue(dataName, out var set))
                throw new GpuGenException(dataName == "mnist" || Directory.Exists(dataName)
                    ? "ddpm: digits need the U-Net, which this build does not have yet; train on a 2-D toy (--data swissroll, 8gaussians or 25gaussians)"
                    : $"ddpm: unknown --data '{dataName}': expected {string.Join(", ", DdpmToyPlan.DataNames.Keys)}", isUsageError: true);
            if (!resuming && parse.GetResult(common.Epochs) is { Implicit: false })
                throw new GpuGenException("ddpm: toy runs count training steps: give --steps, not --epochs", isUsageError: true);
            using var noiseSchedule = NoiseSchedule.Create(NoiseSchedule.Names[parse.GetValue(schedule)!], parse.GetValue(timesteps), parse.GetValue(betaStart), parse.GetValue(betaEnd));
            var device = GlobalOptions.ResolveDevice(parse);
            var (epochs, stepsPerEpoch) = IterationEpochs.Of(parse.GetValue(steps), DdpmToyPlan.StepsPerEpoch, "--steps");
            var options = common.RunOptions(parse) with { Epochs = epochs };
            ulong seed = parse.GetValue(common.Seed);
            using var model = new ToyDenoiser(new Generator(seed), device, parse.GetValue(width), parse.GetValue(depth));
            using var plan = DdpmToyPlan.Create(model, noiseSchedule, set, stepsPerEpoch, new Generator(seed + 5), options);
            return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
        });
        return command;
    }

    private static Option<double> Beta(Option<double> option)
    {
        option.Validators.Add(r => { if (TrainOptions.Value<double>(r) is { } v && !(v > 0 && v < 1)) r.AddError($"{option.Name} must be in (0, 1), got {v}"); });
        return option;
    }
}
