using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using GpuGen.IO;
using GpuGen.Models.Runner;

namespace GpuGen.Cli.Commands;

/// <summary>
/// The options every <c>gpugen train</c> command shares, their validation, and the record of a
/// run's options that a checkpoint keeps for <c>--resume</c>: every option that shapes the run
/// (the shared ones and the model's own, registered with <see cref="Shaping{T}"/>) is written
/// into the checkpoint as text, and a resumed run is rebuilt from them.
/// </summary>
internal sealed class TrainOptions
{
    public Option<string?> Data { get; } = new("--data") { Description = "Folder with the MNIST files (train-images-idx3-ubyte[.gz] and the rest). Default: the embedded 10,000-digit subset.", HelpName = "dir" };
    public Option<int> Epochs { get; } = Positive(new Option<int>("--epochs") { Description = "Passes over the training split (with --resume: the total to reach).", DefaultValueFactory = _ => 10 });
    public Option<int> Batch { get; } = Positive(new Option<int>("--batch") { Description = "Examples per step.", DefaultValueFactory = _ => 100 });
    public Option<float> LearningRate { get; }
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of initialisation, shuffling, noise and sampling: the same seed on the same device gives the same numbers.", DefaultValueFactory = _ => 0UL };
    public Option<string> Out { get; }
    public Option<bool> Json { get; } = new("--json") { Description = "Print the metrics as one JSON object on stdout." };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run whose checkpoint is in this folder (its options, epoch, data order, random streams and optimizer state), bit for bit; --epochs (a toy GAN: --iters) may raise the total.", HelpName = "dir" };
    public Option<bool> DetectAnomaly { get; } = new("--detect-anomaly") { Description = "Check every op's output for NaN or infinity and name the op (forward or backward) that first made one. Slow: for debugging." };

    private readonly List<(Option Option, Func<ParseResult, string?> Text)> _shaping = [];
    private readonly HashSet<Option> _extendable = [];

    public string Model { get; }

    public TrainOptions(string model, float learningRate)
    {
        Model = model;
        LearningRate = new Option<float>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => learningRate };
        LearningRate.Validators.Add(r => { if (Value<float>(r) is { } v && !(v is > 0f and < 10f)) r.AddError($"--lr must be in (0, 10), got {v}"); });
        Out = new Option<string>("--out") { Description = "Folder for the checkpoint, metrics and pictures (with --resume: that folder).", DefaultValueFactory = _ => Path.Combine("runs", model), HelpName = "dir" };
        Shaping(Data);
        Extendable(Shaping(Epochs));
        Shaping(Batch);
        Shaping(LearningRate);
        Shaping(Seed);
    }

    public IEnumerable<Option> All => [Data, Epochs, Batch, LearningRate, Seed, Out, Json, Resume, DetectAnomaly];

    /// <summary>Registers an option that shapes the run (recorded in the checkpoint, restored by --resume); returns it.</summary>
    public Option<T> Shaping<T>(Option<T> option)
    {
        _shaping.Add((option, parse => parse.GetValue(option) switch
        {
            null => null,
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            IFormattable v => v.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        }));
        return option;
    }

    /// <summary>Marks a shaping option that sets the run's length (--epochs, a toy GAN's --iters): a
    /// resumed run may give it a new value, to train further; returns it.</summary>
    public Option<T> Extendable<T>(Option<T> option)
    {
        _extendable.Add(option);
        return option;
    }

    /// <summary>The shaping options' values as text, by option name: what a checkpoint records.</summary>
    public Dictionary<string, string> Arguments(ParseResult parse)
    {
        var args = new Dictionary<string, string>();
        foreach (var (option, text) in _shaping)
            if (text(parse) is { } value) args[option.Name] = value;
        return args;
    }

    /// <summary>
    /// Without --resume, the parse as it is. With --resume DIR, the command line rebuilt from the
    /// options recorded in DIR's checkpoint: an option given now that contradicts the recorded one
    /// is a usage error (except the run's length, <see cref="Extendable{T}"/>), --out defaults to DIR, and
    /// the run-control options (--json, --detect-anomaly, --device, --verbose) are taken from now.
    /// </summary>
    public ParseResult ResolveResume(ParseResult parse)
    {
        if (parse.GetValue(Resume) is not { } folder) return parse;
        string path = Path.Combine(folder, TrainingRunner.CheckpointFile);
        if (!File.Exists(path))
            throw new GpuGenException($"--resume {folder}: there is no {TrainingRunner.CheckpointFile} there (a run writes it at the end of its first epoch)");
        var file = SafeTensors.Load(path);
        if (file.Metadata.TryGetValue("model", out var model) && model != Model)
            throw new GpuGenException($"--resume {folder}: the checkpoint holds a '{model}' model, not a '{Model}'; resume it with 'gpugen train {model} --resume {folder}'", isUsageError: true);
        var recorded = TrainingRunner.RecordedArguments(file.Metadata, path);
        var args = new List<string> { "train", Model };
        foreach (var (option, text) in _shaping)
        {
            bool given = parse.GetResult(option) is { Implicit: false };
            string? now = text(parse);
            recorded.TryGetValue(option.Name, out var then);
            if (given && then is not null && now != then && !_extendable.Contains(option))
                throw new GpuGenException($"--resume {folder}: that run used {option.Name} {then}, not {now}; leave {option.Name} out to continue it, or start a new run", isUsageError: true);
            string? value = given ? now : then;
            if (value is not null) args.AddRange([option.Name, value]);
        }
        args.AddRange(["--resume", folder, "--out", parse.GetResult(Out) is { Implicit: false } ? parse.GetValue(Out)! : folder]);
        if (parse.GetValue(Json)) args.Add("--json");
        if (parse.GetValue(DetectAnomaly)) args.Add("--detect-anomaly");
        args.AddRange(["--device", parse.GetValue(GlobalOptions.Device) ?? GpuGen.Devices.DefaultName]);
        if (parse.GetValue(GlobalOptions.Verbose)) args.Add("--verbose");
        var rebuilt = parse.RootCommandResult.Command.Parse(args);
        if (rebuilt.Errors.Count > 0)
            throw new GpuGenException($"--resume {folder}: the recorded options do not parse: {rebuilt.Errors[0].Message}", isUsageError: true);
        return rebuilt;
    }

    /// <summary>The runner's options from a (resolved) parse.</summary>
    public RunOptions RunOptions(ParseResult parse) => new()
    {
        Epochs = parse.GetValue(Epochs), Batch = parse.GetValue(Batch), LearningRate = parse.GetValue(LearningRate), Seed = parse.GetValue(Seed),
        Out = parse.GetValue(Out)!, Resume = parse.GetValue(Resume) is not null, DetectAnomaly = parse.GetValue(DetectAnomaly),
        Arguments = Arguments(parse),
    };

    /// <summary>The toy chains' --eval-points (train and eval): samples scored against as many fresh points, at least 2.</summary>
    public static Option<int> EvalPoints(string description)
    {
        var option = new Option<int>("--eval-points") { Description = description, DefaultValueFactory = _ => GpuGen.Models.Diffusion.ToyChainPlan.EvaluationPoints, HelpName = "n" };
        option.Validators.Add(r => { if (Value<int>(r) is { } v && v < 2) r.AddError($"--eval-points must be at least 2 (a distance between two samples), got {v}"); });
        return option;
    }

    /// <summary>One line for --eval-points given with a digits run: the digits have their own protocol.</summary>
    public static GpuGenException EvalPointsOnDigits(string model) =>
        new($"{model}: --eval-points is for the toys; digits are scored by their own protocol", isUsageError: true);

    public static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(r => { if (Value<int>(r) is { } v && v <= 0) r.AddError($"{option.Name} must be positive, got {v}"); });
        return option;
    }

    public static Option<float> InRange(Option<float> option, float lo, float hi)
    {
        option.Validators.Add(r => { if (Value<float>(r) is { } v && !(v >= lo && v < hi)) r.AddError($"{option.Name} must be in [{lo}, {hi}), got {v}"); });
        return option;
    }

    /// <summary>Restricts a text option to <paramref name="names"/> (offered as completions), with an error that
    /// names the option: System.CommandLine's own AcceptOnlyFromAmong names only the value.</summary>
    public static Option<T> OneOf<T>(Option<T> option, params IEnumerable<string> names)
    {
        var allowed = names.ToArray();
        option.CompletionSources.Add(allowed);
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
                if (!allowed.Contains(token.Value, StringComparer.Ordinal))
                    r.AddError($"{option.Name} must be one of {string.Join(", ", allowed)}, got '{token.Value}'");
        });
        return option;
    }

    /// <summary>The option's value, or null when it did not convert (the parser reports that error itself).</summary>
    public static T? Value<T>(OptionResult result) where T : struct
    {
        try
        {
            return result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>ilgpu-cpu runs every GPU thread as an OS thread: right for checking kernels, hours for a training run.</summary>
    public static void WarnAboutSlowDevices(Device device, TextWriter log)
    {
        if (device.Kind == DeviceKind.IlgpuCpu)
            log.WriteLine("gpugen: warning: ilgpu-cpu simulates GPU threads to check device kernels; training on it takes hours (use --device cpu, or a GPU)");
    }
}
