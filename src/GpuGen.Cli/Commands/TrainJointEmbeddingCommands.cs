using System.CommandLine;
using GpuGen.Data;
using GpuGen.Models.SelfSupervised;

namespace GpuGen.Cli.Commands;

/// <summary>
/// <c>gpugen train simclr|moco|vicreg|byol|swav</c>: options → <see cref="JointEmbeddingSettings"/> →
/// the method's model → <see cref="JointEmbeddingPlan"/>, then the shared <see cref="TrainRun"/>.
/// Digits only (the embedded subset or a folder of MNIST files); batch 256, Adam 10⁻³, the strong
/// digit augmentations.
/// </summary>
internal static class TrainJointEmbeddingCommands
{
    public static IEnumerable<Command> All(TextWriter stdout, TextWriter stderr) =>
        JointEmbeddingSettings.Names.Values.Select(m => Method(m, stdout, stderr));

    public static string Description(JointEmbeddingMethod method) => method switch
    {
        JointEmbeddingMethod.SimClr => "Train SimCLR (Chen et al. 2020) on MNIST: two augmented views per digit, the NT-Xent (InfoNCE) loss with 2N − 2 negatives at temperature τ.",
        JointEmbeddingMethod.MoCo => "Train MoCo v2 (He et al. 2020) on MNIST: a momentum key encoder and a queue of negatives, InfoNCE at temperature τ.",
        JointEmbeddingMethod.VicReg => "Train VICReg (Bardes, Ponce & LeCun 2022) on MNIST: invariance, a variance hinge and a covariance penalty (λ = μ = 25, ν = 1).",
        JointEmbeddingMethod.Byol => "Train BYOL (Grill et al. 2020) on MNIST: an online predictor regresses an EMA target's projection of the other view; no negatives.",
        _ => "Train SwAV (Caron et al. 2020) on MNIST: prototypes, Sinkhorn–Knopp equalised codes and the swapped prediction.",
    };

    private static Command Method(JointEmbeddingMethod method, TextWriter stdout, TextWriter stderr)
    {
        var defaults = JointEmbeddingSettings.For(method);
        string name = defaults.Name;
        var common = new TrainOptions(name, 1e-3f);
        common.Data.Description = "The digits: mnist (the embedded 10,000-digit subset) or a folder of MNIST files.";
        common.Data.HelpName = "mnist|dir";
        common.Batch.DefaultValueFactory = _ => 256;
        common.Batch.Description = "Images per step (each seen in --views views); the last partial batch of an epoch is dropped.";
        common.Epochs.DefaultValueFactory = _ => 30;
        var encoder = common.Shaping(new Option<string>("--encoder") { Description = "The encoder: mlp (784-1024-512) or conv (two 3 × 3 convolutions, then 512).", DefaultValueFactory = _ => "mlp" });
        TrainOptions.OneOf(encoder, "mlp", "conv");
        var views = common.Shaping(new Option<int>("--views") { Description = "Views of each image per step (at least 2); the loss averages every pair.", DefaultValueFactory = _ => 2 });
        views.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--views must be at least 2 (a joint embedding compares two views of an image), got {v}"); });
        var augment = common.Shaping(new Option<string>("--augment") { Description = "The views' distortions: digits (crop, rotation, warp, intensity, cutout, noise), mild (±10° rotation, ±2-pixel shift, ±1-pixel warp), weak (±3-pixel shifts and noise) or none.", DefaultValueFactory = _ => "digits" });
        TrainOptions.OneOf(augment, Augmentation.Presets.Keys);
        var command = new Command(name, Description(method)) { encoder, views, augment };
        Option<float>? temperature = null, momentum = null;
        Option<int>? queue = null, prototypes = null;
        if (method is JointEmbeddingMethod.SimClr or JointEmbeddingMethod.MoCo or JointEmbeddingMethod.SwAV)
        {
            temperature = common.Shaping(new Option<float>("--temperature") { Description = "τ of the softmax over similarities.", DefaultValueFactory = _ => defaults.Temperature });
            temperature.Validators.Add(r => { if (TrainOptions.Value<float>(r) is { } v && !(v > 0 && float.IsFinite(v))) r.AddError($"--temperature must be positive, got {v}"); });
            command.Add(temperature);
        }
        if (method is JointEmbeddingMethod.MoCo or JointEmbeddingMethod.Byol)
        {
            momentum = common.Shaping(TrainOptions.InRange(new Option<float>("--momentum") { Description = "m of the momentum network: θ′ ← m·θ′ + (1 − m)·θ after each step.", DefaultValueFactory = _ => defaults.Momentum }, 0f, 1f));
            command.Add(momentum);
        }
        if (method == JointEmbeddingMethod.MoCo)
        {
            queue = common.Shaping(TrainOptions.Positive(new Option<int>("--queue") { Description = "Keys kept as negatives.", DefaultValueFactory = _ => defaults.QueueSize }));
            command.Add(queue);
        }
        if (method == JointEmbeddingMethod.SwAV)
        {
            prototypes = common.Shaping(new Option<int>("--prototypes") { Description = "Number of prototypes (at least 2).", DefaultValueFactory = _ => defaults.Prototypes });
            prototypes.Validators.Add(r => { if (TrainOptions.Value<int>(r) is { } v && v < 2) r.AddError($"--prototypes must be at least 2, got {v}"); });
            command.Add(prototypes);
        }
        foreach (var option in common.All) command.Add(option);
        command.SetAction(parse =>
        {
            parse = common.ResolveResume(parse);
            string? data = parse.GetValue(common.Data);
            if (data is not null && data != "mnist" && !Directory.Exists(data))
                throw new GpuGenException(ToyData.Names.ContainsKey(data)
                    ? $"{name}: learns image representations: --data mnist or a folder of MNIST files, not the 2-D toy '{data}'"
                    : $"{name}: --data {data}: no such folder (give mnist or a folder of MNIST files)", isUsageError: true);
            var device = GlobalOptions.ResolveDevice(parse);
            var (train, test) = Mnist.Load(data is null or "mnist" ? null : data);
            var settings = defaults with
            {
                Encoder = Encoders.Names[parse.GetValue(encoder)!], Views = parse.GetValue(views),
                Temperature = temperature is null ? defaults.Temperature : parse.GetValue(temperature),
                Momentum = momentum is null ? defaults.Momentum : parse.GetValue(momentum),
                QueueSize = queue is null ? defaults.QueueSize : parse.GetValue(queue),
                Prototypes = prototypes is null ? defaults.Prototypes : parse.GetValue(prototypes),
            };
            if (settings.Problem() is { } problem) throw new GpuGenException($"{name}: {problem}", isUsageError: true);
            var options = common.RunOptions(parse);
            string augmentation = parse.GetValue(augment)!;
            using var model = JointEmbeddingModels.Create(settings, new Generator(options.Seed), device);
            using var plan = JointEmbeddingPlan.Create(model, Augmentation.Presets[augmentation], augmentation, train, test, device, options);
            return TrainRun.Execute(plan.Plan, options, common, parse, device, stdout, stderr);
        });
        return command;
    }
}
