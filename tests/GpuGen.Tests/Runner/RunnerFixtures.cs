using GpuGen.Data;
using GpuGen.Models.GumbelVae;
using GpuGen.Models.Runner;
using GpuGen.Models.Vae;
using GumbelModel = GpuGen.Models.GumbelVae.GumbelVae;

namespace GpuGen.Tests.Runner;

/// <summary>Small runs of the real runner: the embedded digits cut down, small models, the cpu device.</summary>
internal static class RunnerFixtures
{
    public static MnistSplit Take(MnistSplit split, int count) =>
        new(split.Pixels[..(count * split.PixelsPerImage)], split.Labels[..count], split.Rows, split.Cols);

    /// <summary>1,000 training and 300 test digits.</summary>
    public static (MnistSplit Train, MnistSplit Test) Digits()
    {
        var (train, test) = Mnist.Load();
        return (Take(train, 1000), Take(test, 300));
    }

    /// <summary>A family and the module it owns (dispose the module).</summary>
    public static (TrainingFamily Family, IDisposable Module) Build(string model, ulong seed, Device device)
    {
        switch (model)
        {
            case "vae":
                var vae = new Vae(new Generator(seed), device, 784, 32, 4);
                return (VaeFamily.Create(vae, device, iwSamples: 3, batch: 100), vae);
            case "gumbel-vae":
                var gumbel = new GumbelModel(new Generator(seed), device, 784, 3, 4);
                return (GumbelVaeFamily.Create(gumbel, device), gumbel);
            default:
                throw new ArgumentException(model);
        }
    }

    public static int[][] Bits(GpuGen.Nn.Module m) =>
        m.StateTensors().Select(t => t.Tensor.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray()).ToArray();

    /// <summary>Metrics without the wall-clock ones, as comparable text.</summary>
    public static string Comparable(Dictionary<string, object?> metrics) =>
        System.Text.Json.JsonSerializer.Serialize(metrics.Where(m => m.Key is not ("train_seconds" or "examples_per_second")).OrderBy(m => m.Key, StringComparer.Ordinal).ToDictionary());
}

/// <summary>A progress sink that records what the runner reports and can run code at a given step.</summary>
internal sealed class RecordingProgress : IRunProgress
{
    public List<(int Epoch, int Step)> Steps { get; } = [];
    public List<int> Epochs { get; } = [];
    public Action<int, int>? OnStep { get; init; }
    public Action<int>? OnEpoch { get; init; }

    public void Start(string model, int epochs, int stepsPerEpoch, int batch, int firstEpoch) { }

    public void Step(int epoch, int step, double loss)
    {
        Steps.Add((epoch, step));
        OnStep?.Invoke(epoch, step);
    }

    public void EndEpoch(int epoch, double trainLoss, IReadOnlyList<(string Term, double Value)> test)
    {
        Epochs.Add(epoch);
        OnEpoch?.Invoke(epoch);
    }
}
