using System.CommandLine;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train ddpm|bfn</c>: options → a <see cref="ToyDenoiser"/> and the model's process (a
/// <see cref="NoiseSchedule"/>, a <see cref="ContinuousBayesianFlow"/>) → a <see cref="ToyChain"/> →
/// <see cref="ToyChainPlan"/>, then the shared <see cref="TrainRun"/>. Defaults as the issue's toy
/// protocol: the swiss roll, three 128-wide SiLU layers on the point and a 32-d embedding of t, batch 256
/// of fresh points, Adam 1e-3, 5,000 steps; DDPM with T = 100 and β linear from 1e-4 to 0.05, BFN with σ₁ 0.02.
/// </summary>
internal static class TrainDiffusionCommands
{
    /// <summary>The options both toy chains share.</summary>
    private sealed record Shared(TrainOptions Common, Option<int> Steps, Option<int> Width, Option<int> Depth, Option<string?> Net, Option<int> Channels, Option<int> EvalPoints)
    {
        public static Shared Create(string name)
        {
            var common = new TrainOptions(name, 1e-3f);
            common.Data.Description = $"The data: {string.Join(", ", ToyChainPlan.DataNames.Keys)} (2-D toys; swissroll is the DDPM toy's roll: noise 0.5, / 10).";
            common.Data.DefaultValueFactory = _ => "swissroll";
            common.Data.HelpName = "name";
            common.Batch.DefaultValueFactory = _ => 256;
            common.Epochs.Description = "Not for the toys: they count --steps.";
            var steps = common.Extendable(common.Shaping(TrainOptions.Positive(new Option<int>("--steps") { Description = $"Training steps (a checkpoint every {ToyChainPlan.StepsPerEpoch}).", DefaultValueFactory = _ => 5000 })));
            var width = common.Shaping(TrainOptions.Positive(new Option<int>("--width") { Description = "Units of each hidden layer (toys: SiLU, default 128; digits with the MLP: ReLU, default 512).", DefaultValueFactory = _ => 128 }));
            var depth = common.Shaping(TrainOptions.Positive(new Option<int>("--depth") { Description = "Hidden layers (toys: default 3; digits with the MLP: default 2).", DefaultValueFactory = _ => 3 }));
            var net = common.Shaping(new Option<string?>("--net") { Description = "Digits: the network, mlp (785 → --width × --depth ReLU units → 784 a plane out, time as one input) or unet (the small U-Net, --channels wide). The toys always use their MLP.", HelpName = "mlp|unet" });
            TrainOptions.OneOf(net, DigitNetworkSpec.Names);
            var channels = common.Shaping(TrainOptions.Positive(new Option<int>("--channels") { Description = "Digits with the U-Net: its base channel count (a multiple of 8).", DefaultValueFactory = _ => 32 }));
            channels.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v % 8 != 0) r.AddError($"--channels must be a multiple of 8 (the GroupNorm groups), got {v}"); });
            // Evaluation only (not a shaping option): a resumed run may score with another count.
            var evalPoints = TrainOptions.EvalPoints("Toys: samples of each sampler scored against as many fresh points (the distances' floors too), and at most 1,000 of them in toy.png. Fewer is faster and noisier.");
            return new Shared(common, steps, width, depth, net, channels, evalPoints);
        }

        public void AddTo(Command command)
        {
            command.Add(Steps);
            command.Add(Width);
            command.Add(Depth);
            command.Add(Net);
            command.Add(Channels);
            command.Add(EvalPoints);
            foreach (var option in Common.All) command.Add(option);
        }

        /// <summary>The digit network the options ask for (<paramref name="defaultNet"/> unless --net is given; the MLP
        /// 512 wide and 2 deep unless --width and --depth are given), its choices written into the run's
        /// <paramref name="arguments"/> so that --resume rebuilds it. Options of the other network are an error.</summary>
        public DigitNetworkSpec DigitNetwork(ParseResult p, string defaultNet, Func<string, float> timeScale, IDictionary<string, string> arguments, bool resuming)
        {
            string name = Common.Model, net = p.GetValue(Net) ?? defaultNet;
            bool Given(Option option) => p.GetResult(option) is { Implicit: false };
            if (!resuming && net == "unet" && (Given(Width) || Given(Depth)))
                throw new GpuGenException($"{name}: --width and --depth size the MLP; the U-Net takes --channels (or give --net mlp)", isUsageError: true);
            if (!resuming && net == "mlp" && Given(Channels))
                throw new GpuGenException($"{name}: --channels sizes the U-Net; the MLP takes --width and --depth (or give --net unet)", isUsageError: true);
            arguments["--net"] = net;
            if (net == "unet")
            {
                int channels = p.GetValue(Channels);
                arguments["--channels"] = $"{channels}";
                return new DigitNetworkSpec(net, 0, 0, channels, timeScale(net));
            }
            int width = Given(Width) ? p.GetValue(Width) : 512, depth = Given(Depth) ? p.GetValue(Depth) : 2;
            (arguments["--width"], arguments["--depth"]) = ($"{width}", $"{depth}");
            return new DigitNetworkSpec(net, width, depth, 0, timeScale(net));
        }

        /// <summary>Resolves --resume, checks --data and --epochs, then trains the chain that <paramref name="build"/>
        /// makes from the network (and disposes what it returns with the run); digits go to
        /// <paramref name="digits"/> when the model has a digits form.</summary>
        public int Run(ParseResult parse, TextWriter stdout, TextWriter stderr, Func<ParseResult, ToyDenoiser, (ToyChain Chain, IDisposable? Owned)> build,
            Func<ParseResult, string, bool, int>? digits = null, Func<ParseResult, Generator, Device, ToyDenoiser>? network = null)
        {
            string name = Common.Model;
            bool resuming = parse.GetValue(Common.Resume) is not null;
            parse = Common.ResolveResume(parse);
            string dataName = parse.GetValue(Common.Data) ?? "swissroll";
            bool images = dataName == "mnist" || Directory.Exists(dataName);
            if (parse.GetResult(EvalPoints) is { Implicit: false } && images)
                throw TrainOptions.EvalPointsOnDigits(name);
            if (images && digits is not null) return digits(parse, dataName, resuming);
            if (!ToyChainPlan.DataNames.TryGetValue(dataName, out var set))
                throw new GpuGenException(images
                    ? $"{name}: trains on the 2-D toys (--data swissroll, 8gaussians or 25gaussians); for digits use ddpm or bfn"
                    : $"{name}: unknown --data '{dataName}': expected {string.Join(", ", ToyChainPlan.DataNames.Keys)}{(digits is null ? "" : ", mnist or a folder of MNIST files")}", isUsageError: true);
            if (!resuming && parse.GetResult(Common.Epochs) is { Implicit: false })
                throw new GpuGenException($"{name}: toy runs count training steps: give --steps, not --epochs", isUsageError: true);
            if (!resuming && (parse.GetValue(Net) == "unet" || parse.GetResult(Channels) is { Implicit: false }))
                throw new GpuGenException($"{name}: the U-Net (--net unet, --channels) is for digits; the toys use their MLP (--width, --depth)", isUsageError: true);
            var (epochs, stepsPerEpoch) = IterationEpochs.Of(parse.GetValue(Steps), ToyChainPlan.StepsPerEpoch, "--steps");
            var options = Common.RunOptions(parse) with { Epochs = epochs };
            ulong seed = parse.GetValue(Common.Seed);
            var device = GlobalOptions.ResolveDevice(parse);
            using var model = network?.Invoke(parse, new Generator(seed), device) ?? new ToyDenoiser(new Generator(seed), device, parse.GetValue(Width), parse.GetValue(Depth));
            var (chain, owned) = build(parse, model);
            using (owned)
            using (var plan = ToyChainPlan.Create(chain, set, stepsPerEpoch, new Generator(seed + 5), options, parse.GetValue(EvalPoints)))
                return TrainRun.Execute(plan.Plan, options, Common, parse, device, stdout, stderr);
        }
    }

    public static Command Ddpm(TextWriter stdout, TextWriter stderr)
    {
        var shared = Shared.Create("ddpm");
        shared.Common.Data.Description = $"The data: {string.Join(", ", ToyChainPlan.DataNames.Keys)} (2-D toys; swissroll is the DDPM toy's roll: noise 0.5, / 10), or mnist / a folder of MNIST files (digits in [−1, 1]).";
        var timesteps = shared.Common.Shaping(new Option<int>("--timesteps") { Description = "T, the number of noising steps (toys: 100; digits: 1000 unless given).", DefaultValueFactory = _ => 100 });
        timesteps.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--timesteps must be at least 2, got {v}"); });
        var schedule = shared.Common.Shaping(new Option<string>("--beta-schedule") { Description = "β_t: linear (Ho et al.), cosine (Nichol & Dhariwal) or sohl-dickstein (1/(T − t + 1), plus --beta-start on the first step).", DefaultValueFactory = _ => "linear" });
        TrainOptions.OneOf(schedule, NoiseSchedule.Names.Keys);
        var betaStart = shared.Common.Shaping(UnitInterval(new Option<double>("--beta-start") { Description = "β of the first step (linear; sohl-dickstein: added to the first step).", DefaultValueFactory = _ => 1e-4 }));
        var betaEnd = shared.Common.Shaping(UnitInterval(new Option<double>("--beta-end") { Description = "β of the last step (linear; toys: 0.05; digits: 0.02 unless given).", DefaultValueFactory = _ => 0.05 }));
        var objective = shared.Common.Shaping(new Option<string>("--loss") { Description = "The objective: simple (Ho et al.'s ε mean squared error) or vlb (the variational bound itself: each t weighted as the bound weighs it, the decoder at t = 0).", DefaultValueFactory = _ => "simple", HelpName = "simple|vlb" });
        TrainOptions.OneOf(objective, GpuGen.Models.Diffusion.Ddpm.Objectives.Keys);
        var averageDecay = shared.Common.Shaping(new Option<float>("--ema") { Description = $"Digits: the decay of the weights' exponential moving average, which the evaluations, samples and checkpoint's sampler use (Ho et al.: 0.9999 over 800k steps; warmed up as min(decay, (1 + n)/(10 + n)); 0: no average).", DefaultValueFactory = _ => DdpmDigitsPlan.DefaultAverageDecay, HelpName = "decay" });
        averageDecay.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v >= 0 && v < 1)) r.AddError($"--ema must be in [0, 1), got {v}"); });
        var command = new Command("ddpm", "Train a DDPM (Ho et al. 2020): ε-prediction with the simple loss (or the bound, --loss vlb), on a 2-D toy (an MLP) or MNIST digits (a U-Net, or an MLP with --net mlp); ancestral and DDIM sampling.")
        {
            timesteps, schedule, betaStart, betaEnd, objective, averageDecay,
        };
        shared.Common.Epochs.Description = "Digits: passes over the training split (default 5). The toys count --steps.";
        shared.AddTo(command);
        command.SetAction(parse => shared.Run(parse, stdout, stderr, (p, network) =>
        {
            if (p.GetResult(averageDecay) is { Implicit: false })
                throw new GpuGenException("ddpm: --ema averages the digits' network; the toys sample from their trained weights", isUsageError: true);
            var noise = NoiseSchedule.Create(NoiseSchedule.Names[p.GetValue(schedule)!], p.GetValue(timesteps), p.GetValue(betaStart), p.GetValue(betaEnd));
            return (DdpmToy.Chain(network, noise, GpuGen.Models.Diffusion.Ddpm.Objectives[p.GetValue(objective)!]), noise);
        },
        (p, dataName, resuming) =>
        {
            if (!resuming && p.GetResult(shared.Steps) is { Implicit: false })
                throw new GpuGenException("ddpm: on digits give --epochs, not --steps", isUsageError: true);
            var (train, test) = Mnist.Load(dataName == "mnist" ? null : dataName);
            // the digits' own defaults (Ho et al.: T = 1000, β 1e-4 → 0.02) where an option was not given, recorded as the run's options
            int Given(Option<int> option, int digitsDefault) => p.GetResult(option) is { Implicit: false } ? p.GetValue(option) : digitsDefault;
            double GivenBeta(Option<double> option, double digitsDefault) => p.GetResult(option) is { Implicit: false } ? p.GetValue(option) : digitsDefault;
            int epochs = Given(shared.Common.Epochs, 5), batch = Given(shared.Common.Batch, 64), steps = Given(timesteps, 1000);
            double start = GivenBeta(betaStart, 1e-4), end = GivenBeta(betaEnd, 0.02);
            float lr = p.GetResult(shared.Common.LearningRate) is { Implicit: false } ? p.GetValue(shared.Common.LearningRate) : 5e-4f;
            var options = shared.Common.RunOptions(p);
            var arguments = new Dictionary<string, string>(options.Arguments)
            {
                ["--epochs"] = $"{epochs}", ["--batch"] = $"{batch}", ["--timesteps"] = $"{steps}",
                ["--beta-start"] = start.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                ["--beta-end"] = end.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                ["--lr"] = lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                ["--ema"] = p.GetValue(averageDecay).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            };
            // the U-Net embeds whole timesteps; the MLP reads t/T as one input
            var spec = shared.DigitNetwork(p, "unet", net => net == "mlp" ? 1f / steps : 1f, arguments, resuming);
            options = options with { Epochs = epochs, Batch = batch, LearningRate = lr, Arguments = arguments };
            using var noise = NoiseSchedule.Create(NoiseSchedule.Names[p.GetValue(schedule)!], steps, start, end);
            ulong seed = p.GetValue(shared.Common.Seed);
            var device = GlobalOptions.ResolveDevice(p);
            using var network = spec.Create(new Generator(seed), device, 1);
            using var plan = DdpmDigitsPlan.Create(network, spec, noise, train, test, new Generator(seed + 5), options,
                GpuGen.Models.Diffusion.Ddpm.Objectives[p.GetValue(objective)!], p.GetValue(averageDecay));
            return TrainRun.Execute(plan.Plan, options, shared.Common, p, device, stdout, stderr);
        }));
        return command;
    }

    public static Command SohlDickstein(TextWriter stdout, TextWriter stderr)
    {
        var shared = Shared.Create("diffusion");
        var timesteps = shared.Common.Shaping(new Option<int>("--timesteps") { Description = "T, the trajectory's length (the paper's swiss roll: 40).", DefaultValueFactory = _ => SohlDicksteinToy.DefaultSteps });
        timesteps.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--timesteps must be at least 2, got {v}"); });
        var betaStart = shared.Common.Shaping(UnitInterval(new Option<double>("--beta-start") { Description = "Added to the first step's β (their code's step1_beta): the smallest variance the reverse chain learns.", DefaultValueFactory = _ => 1e-3 }));
        var command = new Command("diffusion", "Train Sohl-Dickstein et al. (2015)'s diffusion on a 2-D toy: Gaussian reverse steps with a learned mean and variance, trained on the bound K.")
        {
            timesteps, betaStart,
        };
        shared.AddTo(command);
        command.SetAction(parse => shared.Run(parse, stdout, stderr, (p, network) =>
        {
            var schedule = NoiseSchedule.SohlDickstein(p.GetValue(timesteps), p.GetValue(betaStart));
            return (SohlDicksteinToy.Chain(network, schedule), schedule);
        }, network: (p, init, device) => SohlDicksteinToy.Network(init, device, p.GetValue(shared.Width), p.GetValue(shared.Depth))));
        return command;
    }

    public static Command Bfn(TextWriter stdout, TextWriter stderr)
    {
        var shared = Shared.Create("bfn");
        shared.Common.Data.Description = $"The data: {string.Join(", ", ToyChainPlan.DataNames.Keys)} (2-D toys: continuous data), or mnist / a folder of MNIST files (binarized digits: discrete data, two classes a pixel).";
        shared.Common.Epochs.Description = "Digits: passes over the training split (default 50). The toys count --steps.";
        var sigma1 = shared.Common.Shaping(UnitInterval(new Option<double>("--sigma1") { Description = "Toys and binned digits: σ₁, the input distribution's standard deviation at t = 1 (the final accuracy).", DefaultValueFactory = _ => 0.02 }));
        var beta1 = shared.Common.Shaping(new Option<double>("--beta1") { Description = "Digits: β₁, the accuracy at t = 1 of the schedule β(t) = β₁t² (the paper's 3 for binarized MNIST; also for --classes).", DefaultValueFactory = _ => 3.0 });
        beta1.Validators.Add(r => { if (TrainOptions.Value<double>(r) is { } v && !(v > 0 && double.IsFinite(v))) r.AddError($"--beta1 must be positive, got {v}"); });
        var bins = shared.Common.Shaping(new Option<int?>("--bins") { Description = "Digits: model the intensities in K bins (discretised data, §5 of the paper) instead of binarized digits (discrete data)." });
        bins.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--bins must be at least 2, got {v}"); });
        var classes = shared.Common.Shaping(new Option<int?>("--classes") { Description = "Digits: model each intensity as one of K unordered classes (discrete data with K classes, §6; k = ⌊K·v⌋) instead of binarized digits." });
        classes.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--classes must be at least 2, got {v}"); });
        var command = new Command("bfn", "Train a Bayesian Flow Network (Graves et al. 2023): continuous data on a 2-D toy, binarized MNIST digits (discrete data), digits in K bins (--bins: discretised data), or digits as K classes (--classes: discrete data with K classes); the continuous-time loss, sampling by Bayesian updates.")
        {
            sigma1, beta1, bins, classes,
        };
        shared.AddTo(command);
        command.SetAction(parse => shared.Run(parse, stdout, stderr, (p, network) =>
            (BfnToy.Chain(network, new ContinuousBayesianFlow(p.GetValue(sigma1), BfnToy.Clip)), null),
            (p, dataName, resuming) =>
            {
                if (!resuming && p.GetResult(shared.Steps) is { Implicit: false })
                    throw new GpuGenException("bfn: on digits give --epochs, not --steps", isUsageError: true);
                var (train, test) = Mnist.Load(dataName == "mnist" ? null : dataName);
                // the digits' own defaults where an option was not given, recorded as the run's options (so --resume rebuilds the same run)
                int Given(Option<int> option, int digitsDefault) => p.GetResult(option) is { Implicit: false } ? p.GetValue(option) : digitsDefault;
                int epochs = Given(shared.Common.Epochs, 50), batch = Given(shared.Common.Batch, 100);
                var options = shared.Common.RunOptions(p);
                var arguments = new Dictionary<string, string>(options.Arguments) { ["--epochs"] = $"{epochs}", ["--batch"] = $"{batch}" };
                // the MLP reads t ∈ [0, 1] as the paper's; the U-Net's sinusoidal embedding wants a timestep-like range
                var spec = shared.DigitNetwork(p, "mlp", net => net == "unet" ? UNetTimeScale : 1f, arguments, resuming);
                options = options with { Epochs = epochs, Batch = batch, Arguments = arguments };
                ulong seed = p.GetValue(shared.Common.Seed);
                var device = GlobalOptions.ResolveDevice(p);
                int pixels = train.Rows * train.Cols;
                if (p.GetValue(bins) is not null && p.GetValue(classes) is not null)
                    throw new GpuGenException("bfn: give --bins (ordered bins, discretised data) or --classes (unordered classes, discrete data), not both", isUsageError: true);
                IDigitFlow model = (p.GetValue(bins), p.GetValue(classes)) switch
                {
                    ({ } k, _) => new DiscretisedBfn(spec.Create(new Generator(seed), device, 2, pixels), new ContinuousBayesianFlow(p.GetValue(sigma1)), k),
                    (_, { } k) => new CategoricalBfn(spec.Create(new Generator(seed), device, k, pixels, k), p.GetValue(beta1), k, pixels),
                    _ => new BinaryBfn(spec.Create(new Generator(seed), device, 1, pixels), p.GetValue(beta1), pixels),
                };
                using (model.Network)
                using (var plan = DigitBfnPlan.Create(model, DigitBfnPlan.Metadata(model, spec), train, test, device, new Generator(seed + 5), options))
                    return TrainRun.Execute(plan.Plan, options, shared.Common, p, device, stdout, stderr);
            }));
        return command;
    }

    /// <summary>A BFN's time t ∈ [0, 1] scaled for the U-Net's sinusoidal embedding, which is made for whole timesteps up to ~1000.</summary>
    private const float UNetTimeScale = 1000f;

    private static Option<double> UnitInterval(Option<double> option)
    {
        option.Validators.Add(r => { if (TrainOptions.Value<double>(r) is { } v && !(v > 0 && v < 1)) r.AddError($"{option.Name} must be in (0, 1), got {v}"); });
        return option;
    }
}
