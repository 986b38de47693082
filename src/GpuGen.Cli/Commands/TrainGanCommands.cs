using System.CommandLine;
using GpuGen.Data;
using GpuGen.Models.Gan;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train gan|cgan|dcgan|wgan|wgan-gp</c>: options → <see cref="ToyGan"/> (2-D toys) or
/// <see cref="MnistGan"/> (digits) and <see cref="GanSettings"/> → <see cref="ToyGanPlan"/> or
/// <see cref="MnistGanPlan"/>, then the shared <see cref="TrainRun"/>. Defaults as the papers' toy
/// experiments: batch 256, three 256-wide ReLU layers, WGAN-GP with 5 critic steps, λ 0.1 and Adam
/// 1e-4; WGAN with 5 critic steps, clip 0.01 and RMSProp 5e-5; GAN with one discriminator step, the
/// non-saturating loss and Adam 2e-4. DCGAN as Radford et al.: digits only, batch 64, Adam 2e-4,
/// 5 epochs; WGAN-GP on digits uses the convolutional critic (λ 10).
/// </summary>
internal static class TrainGanCommands
{
    public static Command Game(GanKind kind, TextWriter stdout, TextWriter stderr)
    {
        string name = ToyGanPlan.NameOf(kind);
        var common = new TrainOptions(name, kind switch { GanKind.WganGp => 1e-4f, GanKind.Wgan => 5e-5f, _ => 2e-4f });
        common.Data.Description = "The data: 8gaussians, 25gaussians or swissroll (the WGAN-GP paper's toys), mnist (the embedded digits, MLP G and D) or a folder of MNIST files.";
        bool imagesOnly = kind is GanKind.ConditionalGan or GanKind.Dcgan;
        if (kind == GanKind.Dcgan) common.Data.Description = "The data: mnist (the embedded digits) or a folder of MNIST files.";
        common.Data.DefaultValueFactory = _ => imagesOnly ? "mnist" : "8gaussians";
        common.Data.HelpName = "name";
        common.Batch.DefaultValueFactory = _ => kind == GanKind.Dcgan ? 64 : 256;
        if (kind == GanKind.Dcgan) common.Epochs.DefaultValueFactory = _ => 5;
        common.Epochs.Description = "Passes over the training digits (mnist); the toys count --iters instead.";
        var iters = (TrainOptions.Positive(new Option<int>("--iters") { Description = $"Generator iterations (a checkpoint every {ToyGanPlan.IterationsPerEpoch}).", DefaultValueFactory = _ => 2000 }));
        var criticIters = common.Shaping(TrainOptions.Positive(new Option<int>("--critic-iters") { Description = "Critic (discriminator) steps per generator step.", DefaultValueFactory = _ => kind is GanKind.Gan or GanKind.ConditionalGan or GanKind.Dcgan ? 1 : 5 }));
        var width = TrainOptions.Positive(new Option<int>("--width") { Description = "Units of each hidden layer of G and D.", DefaultValueFactory = _ => 256 });
        var depth = TrainOptions.Positive(new Option<int>("--depth") { Description = "Hidden layers of G and D.", DefaultValueFactory = _ => 3 });
        var command = new Command(name, kind switch
        {
            GanKind.WganGp => "Train a WGAN-GP (Gulrajani et al. 2017) on a 2-D toy or MNIST: critic loss E D(G(z)) − E D(x) + λ(‖∇D(x̂)‖ − 1)².",
            GanKind.Wgan => "Train a WGAN with weight clipping (Arjovsky et al. 2017) on a 2-D toy or MNIST: RMSProp, critic weights clipped to ±c.",
            GanKind.Dcgan => "Train a DCGAN (Radford et al. 2016) on MNIST digits: transposed-convolution G and strided-convolution D with BatchNorm, the non-saturating loss, Adam(2e-4, β₁ 0.5).",
            GanKind.ConditionalGan => "Train a conditional GAN (Mirza & Osindero 2014) on MNIST digits: the one-hot label into both G and D.",
            _ => "Train a GAN (Goodfellow et al. 2014) on a 2-D toy or MNIST: k discriminator steps per generator step, cross-entropy losses.",
        })
        { criticIters };
        if (kind != GanKind.Dcgan)
        {
            command.Add(common.Extendable(common.Shaping(iters)));
            command.Add(common.Shaping(width));
            command.Add(common.Shaping(depth));
        }
        Option<string>? net = null;
        if (kind is GanKind.Wgan or GanKind.WganGp)
        {
            net = common.Shaping(new Option<string>("--net") { Description = "On digits, the networks: conv (DCGAN-shaped, no BatchNorm in the critic) or mlp.", DefaultValueFactory = _ => kind == GanKind.WganGp ? "conv" : "mlp" });
            TrainOptions.OneOf(net, "mlp", "conv");
            command.Add(net);
        }
        Option<float?>? lambda = null;
        Option<float>? clip = null;
        Option<bool>? saturating = null;
        if (kind == GanKind.WganGp)
        {
            lambda = common.Shaping(new Option<float?>("--lambda") { Description = "λ, the weight of the gradient penalty. Default: 0.1 for the toys (the paper's toy code), 10 for images." });
            lambda.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v > 0 && float.IsFinite(v))) r.AddError($"--lambda must be positive, got {v}"); });
            command.Add(lambda);
        }
        if (kind == GanKind.Wgan)
        {
            clip = common.Shaping(new Option<float>("--clip") { Description = "c: critic weights are clipped to [−c, c] after each critic step.", DefaultValueFactory = _ => 0.01f });
            clip.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v > 0 && float.IsFinite(v))) r.AddError($"--clip must be positive, got {v}"); });
            command.Add(clip);
        }
        if (kind is GanKind.Gan or GanKind.ConditionalGan)
        {
            saturating = common.Shaping(new Option<bool>("--saturating") { Description = "The generator minimises log(1 − D(G(z))) (the minimax game) instead of maximising log D(G(z))." });
            command.Add(saturating);
        }
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            bool resuming = parse.GetValue(common.Resume) is not null;
            parse = common.ResolveResume(parse);
            string dataName = parse.GetValue(common.Data) ?? "8gaussians";
            bool images = dataName == "mnist" || Directory.Exists(dataName);
            if (imagesOnly && !images)
                throw new GpuGenException(kind == GanKind.Dcgan
                    ? $"{name}: trains on images: --data mnist or a folder of MNIST files, not '{dataName}'"
                    : $"{name}: needs labelled digits: --data mnist or a folder of MNIST files, not '{dataName}'", isUsageError: true);
            if (!images && !ToyData.Names.ContainsKey(dataName))
                throw new GpuGenException($"{name}: unknown --data '{dataName}': expected {string.Join(", ", ToyData.Names.Keys)}, mnist or a folder of MNIST files", isUsageError: true);
            float penalty = lambda is not null && parse.GetValue(lambda) is { } given ? given : images ? 10f : 0.1f;
            var settings = new GanSettings(kind, parse.GetValue(criticIters), penalty,
                clip is null ? 0.01f : parse.GetValue(clip), saturating is not null && parse.GetValue(saturating));
            var device = GlobalOptions.ResolveDevice(parse);
            var digitNet = kind == GanKind.Dcgan || net is not null && parse.GetValue(net) == "conv" ? DigitNet.Conv : DigitNet.Mlp;
            if (images) return TrainOnDigits(name, settings, digitNet, dataName, common, parse, device, stdout, stderr, [iters, width, depth]);
            if (net is not null && parse.GetResult(net) is { Implicit: false } && !resuming)
                throw new GpuGenException($"{name}: --net is for digits; the toys use MLPs (--width, --depth)", isUsageError: true);
            if (!resuming && parse.GetResult(common.Epochs) is { Implicit: false })
                throw new GpuGenException($"{name}: toy runs count generator iterations: give --iters, not --epochs", isUsageError: true);
            var set = ToyData.Names[dataName];
            var (epochs, stepsPerEpoch) = ToyGanPlan.Epochs(parse.GetValue(iters));
            var options = common.RunOptions(parse) with { Epochs = epochs };
            ulong seed = parse.GetValue(common.Seed);
            using var model = new ToyGan(new Generator(seed), device, parse.GetValue(width), parse.GetValue(depth));
            using var plan = ToyGanPlan.Create(model, settings, set, stepsPerEpoch, new Generator(seed + 5), options);
            return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
        });
        return command;
    }

    /// <summary>The GAN on MNIST digits: --epochs passes over the training split (the toys' --iters,
    /// --width and --depth do not apply and are refused when given).</summary>
    private static int TrainOnDigits(string name, GanSettings settings, DigitNet net, string dataName, TrainOptions common, ParseResult parse, Device device,
        TextWriter stdout, TextWriter stderr, Option[] toyOnly)
    {
        foreach (var option in toyOnly)
            if (parse.GetResult(option) is { Implicit: false } && parse.GetValue(common.Resume) is null)
                throw new GpuGenException($"{name}: {option.Name} is for the 2-D toys; on digits give --epochs", isUsageError: true);
        var (train, test) = Mnist.Load(dataName == "mnist" ? null : dataName);
        var options = common.RunOptions(parse);
        ulong seed = parse.GetValue(common.Seed);
        var dropout = new Generator(seed + 6);
        using var model = MnistGanCheckpoint.Build(settings.Kind, net, new Generator(seed), device, dropout);
        using var plan = MnistGanPlan.Create(model, settings, train, test, new Generator(seed + 5), model.Dropout ? dropout : null, options);
        return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
    }
}
