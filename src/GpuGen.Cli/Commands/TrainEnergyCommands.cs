using System.CommandLine;
using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.EnergyBased;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train ebm</c>: options → an <see cref="EnergyModel"/> and <see cref="EbmSettings"/> →
/// <see cref="ToyEbmPlan"/> (2-D toys) or <see cref="DigitEbmPlan"/> (digits), then the shared
/// <see cref="TrainRun"/>. Options whose defaults differ between toys and digits are resolved once
/// the data is known and recorded as the run's options, so --resume rebuilds the same run.
/// </summary>
internal static class TrainEnergyCommands
{
    public static Command Ebm(TextWriter stdout, TextWriter stderr)
    {
        var toy = EbmDefaults.Toy;
        var digits = EbmDefaults.Digits;
        var common = new TrainOptions(EbmCheckpoint.ModelName, EbmDefaults.ToyLearningRate);
        common.Data.Description = "The data: 8gaussians, 25gaussians or swissroll (2-D toys), mnist (the embedded digits) or a folder of MNIST files.";
        common.Data.DefaultValueFactory = _ => "8gaussians";
        common.Data.HelpName = "name";
        common.Epochs.Description = $"Toys: epochs of {ToyEbmPlan.IterationsPerEpoch} iterations on fresh points (default {EbmDefaults.ToyEpochs}); digits: passes over the training split (default {EbmDefaults.DigitEpochs}).";
        common.Batch.Description = $"Data examples (and Langevin chains) per iteration (default: toys {EbmDefaults.ToyBatch}, digits {EbmDefaults.DigitBatch}).";
        common.LearningRate.Description = $"Adam's learning rate (β₁ 0, β₂ 0.999 as Du & Mordatch; default: toys {EbmDefaults.ToyLearningRate}, digits {EbmDefaults.DigitLearningRate}).";
        // no single default for these: the toys' and the digits' are resolved below and recorded as the run's options
        common.Epochs.DefaultValueFactory = null;
        common.Batch.DefaultValueFactory = null;
        common.LearningRate.DefaultValueFactory = null;
        var net = common.Shaping(new Option<string?>("--net") { Description = "Digits: the energy network, mlp (784 → --width × --depth → 1, Swish) or conv (two strided 4×4 convolutions, 32 and 64 channels, Swish). Toys: always an MLP.", HelpName = "mlp|conv" });
        TrainOptions.OneOf(net, EnergyNetworks.Names.Keys);
        var width = common.Shaping(Positive(new Option<int?>("--width") { Description = $"Units of each hidden layer of the MLP (default: toys {EbmDefaults.ToyWidth}, digits {EbmDefaults.DigitWidth})." }));
        var depth = common.Shaping(Positive(new Option<int?>("--depth") { Description = "Hidden layers of the MLP (default 2)." }));
        var steps = common.Shaping(Positive(new Option<int?>("--langevin-steps") { Description = $"K, Langevin steps of each training iteration's chains (default: toys {toy.Langevin.Steps}, digits {digits.Langevin.Steps}).", HelpName = "K" }));
        var stepSize = common.Shaping(PositiveFloat(new Option<float?>("--step-size") { Description = $"λ in x ← x − (λ/2)∇ₓE(x) + ω (default: toys {toy.Langevin.StepSize}, digits {digits.Langevin.StepSize}: Du & Mordatch's step of 10 on intensities).", HelpName = "λ" }));
        var noise = common.Shaping(new Option<float?>("--noise") { Description = $"σ, the standard deviation of each step's noise ω ~ N(0, σ²) (default: toys {toy.Langevin.Noise}, digits {digits.Langevin.Noise}; σ² = λ would be the unbiased Langevin sampler of exp(−E)).", HelpName = "σ" });
        noise.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v >= 0 && float.IsFinite(v))) r.AddError($"--noise must be at least 0, got {v}"); });
        var sampleSteps = common.Shaping(Positive(new Option<int?>("--sample-steps") { Description = $"Steps of the long-run chains from uniform noise that evaluation and the pictures draw (default: toys {toy.SampleSteps}, digits {digits.SampleSteps}).", HelpName = "n" }));
        var alpha = common.Shaping(new Option<float?>("--alpha") { Description = $"α, the weight of the energies' squares α(E(x⁺)² + E(x⁻)²) in the loss (default: toys {toy.Alpha}, digits {digits.Alpha}).", HelpName = "α" });
        alpha.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v >= 0 && float.IsFinite(v))) r.AddError($"--alpha must be at least 0, got {v}"); });
        var inputScale = common.Shaping(PositiveFloat(new Option<float?>("--input-scale") { Description = $"Toys: the MLP's first-layer weights and biases are initialised × this (default {EbmDefaults.ToyInputScale}; 1 is PyTorch's initialisation, whose smooth features learn the toys' support but not their modes).", HelpName = "s" }));
        var buffer = common.Shaping(Positive(new Option<int?>("--buffer") { Description = $"Rows of the replay buffer: 95% of the chains start from a stored sample, 5% from uniform noise (default {toy.BufferSize}).", HelpName = "n" }));
        var command = new Command(EbmCheckpoint.ModelName,
            "Train an energy-based model (Du & Mordatch 2019) on a 2-D toy or MNIST: contrastive divergence against Langevin samples, chains started from a replay buffer.")
        {
            net, width, depth, inputScale, steps, stepSize, noise, sampleSteps, alpha, buffer,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            bool resuming = parse.GetValue(common.Resume) is not null;
            parse = common.ResolveResume(parse);
            string dataName = parse.GetValue(common.Data) ?? "8gaussians";
            bool images = dataName == "mnist" || Directory.Exists(dataName);
            if (!images && !ToyData.Names.ContainsKey(dataName))
                throw new GpuGenException($"ebm: unknown --data '{dataName}': expected {string.Join(", ", ToyData.Names.Keys)}, mnist or a folder of MNIST files", isUsageError: true);
            var kind = EnergyNetworks.Names[parse.GetValue(net) ?? (images ? EbmDefaults.DigitNet : "mlp")];
            if (!resuming && !images && kind == EnergyNet.Conv)
                throw new GpuGenException("ebm: --net conv is for digits; the toys use an MLP (--width, --depth)", isUsageError: true);
            if (!resuming && kind == EnergyNet.Conv && (parse.GetResult(width) is { Implicit: false } || parse.GetResult(depth) is { Implicit: false }))
                throw new GpuGenException("ebm: --width and --depth size the MLP; the convolutional net's sizes are fixed (or give --net mlp)", isUsageError: true);
            if (!resuming && images && parse.GetResult(inputScale) is { Implicit: false })
                throw new GpuGenException("ebm: --input-scale is for the toys' MLP; the digits' networks start from PyTorch's initialisation", isUsageError: true);
            var defaults = images ? digits : toy;
            var options = common.RunOptions(parse);
            T Pick<T>(Option<T?> option, T fallback) where T : struct => parse.GetValue(option) ?? fallback;
            int Given(Option<int> option, int fallback) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option) : fallback;
            var settings = new EbmSettings(
                new LangevinSettings(Pick(steps, defaults.Langevin.Steps), Pick(stepSize, defaults.Langevin.StepSize), Pick(noise, defaults.Langevin.Noise)),
                Pick(sampleSteps, defaults.SampleSteps), Pick(alpha, defaults.Alpha), Pick(buffer, defaults.BufferSize));
            if (settings.Problem() is { } problem) throw new GpuGenException($"ebm: {problem}", isUsageError: true);
            var spec = new EnergySpec(images, kind, Pick(width, images ? EbmDefaults.DigitWidth : EbmDefaults.ToyWidth), Pick(depth, 2),
                images ? 1f : Pick(inputScale, EbmDefaults.ToyInputScale));
            int epochs = Given(common.Epochs, images ? EbmDefaults.DigitEpochs : EbmDefaults.ToyEpochs);
            int batch = Given(common.Batch, images ? EbmDefaults.DigitBatch : EbmDefaults.ToyBatch);
            float lr = parse.GetResult(common.LearningRate) is { Implicit: false } ? parse.GetValue(common.LearningRate) : images ? EbmDefaults.DigitLearningRate : EbmDefaults.ToyLearningRate;
            string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
            var arguments = new Dictionary<string, string>(options.Arguments)
            {
                ["--epochs"] = $"{epochs}", ["--batch"] = $"{batch}", ["--lr"] = F(lr), ["--net"] = EnergyNetworks.NameOf(kind),
                ["--width"] = $"{spec.Width}", ["--depth"] = $"{spec.Depth}", ["--langevin-steps"] = $"{settings.Langevin.Steps}",
                ["--step-size"] = F(settings.Langevin.StepSize), ["--noise"] = F(settings.Langevin.Noise), ["--sample-steps"] = $"{settings.SampleSteps}",
                ["--alpha"] = F(settings.Alpha), ["--buffer"] = $"{settings.BufferSize}",
            };
            if (!images) arguments["--input-scale"] = F(spec.InputScale);
            options = options with { Epochs = epochs, Batch = batch, LearningRate = lr, Arguments = arguments };
            ulong seed = parse.GetValue(common.Seed);
            var device = GlobalOptions.ResolveDevice(parse);
            if (images)
            {
                var (train, test) = Mnist.Load(dataName == "mnist" ? null : dataName);
                using var model = new EnergyModel(spec, settings.BufferSize, new Generator(seed), device);
                using var plan = DigitEbmPlan.Create(model, settings, train, test, new Generator(seed + 5), options);
                return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
            }
            using (var model = new EnergyModel(spec, settings.BufferSize, new Generator(seed), device))
            using (var plan = ToyEbmPlan.Create(model, settings, ToyData.Names[dataName], new Generator(seed + 5), options))
                return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
        });
        return command;
    }

    /// <summary>
    /// <c>gpugen train sparse-coding</c>: <see cref="SparseCoding"/> on MNIST digits, trained by
    /// <see cref="SparseCodingPlan"/> through the shared <see cref="TrainRun"/>.
    /// </summary>
    public static Command SparseCoding(TextWriter stdout, TextWriter stderr)
    {
        var common = new TrainOptions(SparseCodingPlan.ModelName, SparseCodingDefaults.LearningRate);
        common.Data.Description = "The data: mnist (the embedded digits) or a folder of MNIST files.";
        common.Data.DefaultValueFactory = _ => "mnist";
        common.Data.HelpName = "mnist|dir";
        common.Epochs.DefaultValueFactory = _ => SparseCodingDefaults.Epochs;
        common.LearningRate.Description = "SGD's learning rate for the dictionary.";
        var atoms = common.Shaping(TrainOptions.Positive(new Option<int>("--atoms") { Description = "K, the dictionary's size (atoms, each a 28 × 28 image of unit norm).", DefaultValueFactory = _ => SparseCodingDefaults.Atoms, HelpName = "K" }));
        var lambda = common.Shaping(new Option<float>("--lambda") { Description = "λ in E(x, z) = ½‖x − Dz‖² + λ‖z‖₁: larger gives sparser codes and worse reconstructions.", DefaultValueFactory = _ => SparseCodingDefaults.Lambda, HelpName = "λ" });
        lambda.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v > 0 && float.IsFinite(v))) r.AddError($"--lambda must be positive, got {v}"); });
        var ista = common.Shaping(TrainOptions.Positive(new Option<int>("--ista-steps") { Description = "ISTA iterations per inference (step 1/L, L the largest eigenvalue of DᵀD by power iteration).", DefaultValueFactory = _ => SparseCodingDefaults.IstaSteps, HelpName = "n" }));
        var command = new Command(SparseCodingPlan.ModelName,
            "Train sparse coding on MNIST digits: codes z* = argmin ½‖x − Dz‖² + λ‖z‖₁ by ISTA, the dictionary D by SGD on the reconstruction with unit-norm atoms.")
        {
            atoms, lambda, ista,
        };
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            parse = common.ResolveResume(parse);
            string dataName = parse.GetValue(common.Data) ?? "mnist";
            if (dataName != "mnist" && !Directory.Exists(dataName))
                throw new GpuGenException($"sparse-coding: --data '{dataName}' is neither mnist nor a folder of MNIST files", isUsageError: true);
            var (train, test) = Mnist.Load(dataName == "mnist" ? null : dataName);
            var options = common.RunOptions(parse);
            var device = GlobalOptions.ResolveDevice(parse);
            var settings = new SparseCodingSettings(parse.GetValue(atoms), parse.GetValue(lambda), parse.GetValue(ista));
            using var model = new GpuGen.Models.EnergyBased.SparseCoding(train.PixelsPerImage, settings, new Generator(parse.GetValue(common.Seed)), device);
            using (var all = train.Images(train.AllIndices(), device)) model.StartFromExamples(all, new Generator(parse.GetValue(common.Seed) + 6));
            using var plan = SparseCodingPlan.Create(model, train, test, device, options);
            return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
        });
        return command;
    }

    private static Option<int?> Positive(Option<int?> option)
    {
        option.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 1) r.AddError($"{option.Name} must be at least 1, got {v}"); });
        return option;
    }

    private static Option<float?> PositiveFloat(Option<float?> option)
    {
        option.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v > 0 && float.IsFinite(v))) r.AddError($"{option.Name} must be positive, got {v}"); });
        return option;
    }
}
