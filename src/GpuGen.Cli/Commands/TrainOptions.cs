using System.CommandLine;
using System.CommandLine.Parsing;
using GpuGen.IO;
using GpuGen.Models.Output;

namespace GpuGen.Cli.Commands;

/// <summary>The options every <c>gpugen train</c> command shares, their validation, and the output folder.</summary>
internal sealed class TrainOptions
{
    public Option<string?> Data { get; } = new("--data") { Description = "Folder with the MNIST files (train-images-idx3-ubyte[.gz] and the rest). Default: the embedded 10,000-digit subset.", HelpName = "dir" };
    public Option<int> Epochs { get; } = Positive(new Option<int>("--epochs") { Description = "Passes over the training split.", DefaultValueFactory = _ => 10 });
    public Option<int> Batch { get; } = Positive(new Option<int>("--batch") { Description = "Examples per step.", DefaultValueFactory = _ => 100 });
    public Option<float> LearningRate { get; }
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of initialisation, shuffling, noise and sampling: the same seed on the same device gives the same numbers.", DefaultValueFactory = _ => 0UL };
    public Option<string> Out { get; }
    public Option<bool> Json { get; } = new("--json") { Description = "Print the metrics as one JSON object on stdout." };

    public TrainOptions(string model, float learningRate)
    {
        LearningRate = new Option<float>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => learningRate };
        LearningRate.Validators.Add(r => { if (Value<float>(r) is { } v && !(v is > 0f and < 10f)) r.AddError($"--lr must be in (0, 10), got {v}"); });
        Out = new Option<string>("--out") { Description = "Folder for the checkpoint, metrics and pictures.", DefaultValueFactory = _ => Path.Combine("runs", model), HelpName = "dir" };
    }

    public IEnumerable<Option> All => [Data, Epochs, Batch, LearningRate, Seed, Out, Json];

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

    /// <summary>Creates --out (a clear error if it cannot be, or is a file) and checks it can be written.</summary>
    public static void PrepareOutput(string folder)
    {
        try
        {
            if (File.Exists(folder)) throw new GpuGenException($"--out {folder} is a file, not a folder");
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GpuGenException($"cannot write to --out {folder}: {e.Message}", e);
        }
    }

    /// <summary>metrics.json and loss.png (train and test curves per epoch).</summary>
    public static void WriteMetrics(string folder, string title, string yLabel, Dictionary<string, object?> metrics, List<double> train, List<double> test)
    {
        AtomicFile.WriteText(Path.Combine(folder, "metrics.json"),
            System.Text.Json.JsonSerializer.Serialize(metrics, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var epochs = Enumerable.Range(1, train.Count).Select(e => (double)e).ToArray();
        LossCurve.SavePng(Path.Combine(folder, "loss.png"), title, yLabel, [("train", epochs, train.ToArray()), ("test", epochs, test.ToArray())]);
    }
}
