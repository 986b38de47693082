using GpuGen.Data;
using GpuGen.Models.Output;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// What a trained EBM looks like. Toys: the energy landscape (−E, the log-density up to its
/// constant, as a heat map) with data and long-run samples over it, and the long-run chains at six
/// times. Digits: long-run samples, chain strips (a row per chain, a column per time, from uniform
/// noise), short-run (the training chains' K steps) and long-run, and rows of the replay buffer.
/// </summary>
public static class EbmPictures
{
    /// <summary>Half the side of the square the toy pictures show.</summary>
    public const double ToyExtent = 2.5;

    /// <summary>Chains in a strip, and the times of each (step 0 and ten evenly spaced steps to the last).</summary>
    public const int StripChains = 8, StripColumns = 11;

    public static IReadOnlyList<string> WriteToy(string folder, EnergyModel model, EbmSettings settings, ToySet set, Generator stream)
    {
        const int points = 1000;
        var times = Times(settings.SampleSteps, 6);
        var snapshots = new List<(string, float[])>();
        float[] samples;
        using (new TensorScope())
            samples = LangevinSampler.FromNoise(model.Energy, points, settings.LongRun, model.Domain, model.Device, stream,
                (k, x) => { if (times.Contains(k)) snapshots.Add(($"step {k}", x.ToArray())); }).ToArray();
        string name = ToyData.NameOf(set);
        ToyPicture.SavePng(Path.Combine(folder, "landscape.png"), $"ebm on {name}: −E, data (orange), {settings.SampleSteps}-step samples (green)",
            ToyData.Sample(set, points, stream), samples, ToyEbmPlan.NegativeEnergyField(model, 128, ToyExtent), ToyExtent);
        ToyPicture.SaveChainPng(Path.Combine(folder, "chains.png"), $"ebm on {name}: Langevin chains from uniform noise", snapshots, ToyExtent);
        return ["landscape.png", "chains.png"];
    }

    public static IReadOnlyList<string> WriteDigits(string folder, EnergyModel model, EbmSettings settings, Generator stream)
    {
        using (new TensorScope())
        {
            var samples = LangevinSampler.FromNoise(model.Energy, 64, settings.LongRun, model.Domain, model.Device, stream).ToArray();
            ImageGrid.SavePng(Path.Combine(folder, "samples.png"), samples, 64, 28, 28, 8);
        }
        SaveStrip(Path.Combine(folder, "chains_short.png"), model, settings.Langevin, stream);
        SaveStrip(Path.Combine(folder, "chains_long.png"), model, settings.LongRun, stream);
        using (new TensorScope())
        {
            int rows = Math.Min(64, model.Replay.Shape[0]);
            ImageGrid.SavePng(Path.Combine(folder, "buffer.png"), model.Replay.Slice(0, rows).ToArray(), rows, 28, 28, 8);
        }
        return ["samples.png", "chains_short.png", "chains_long.png", "buffer.png"];
    }

    /// <summary>A PNG strip of <see cref="StripChains"/> digit chains from uniform noise: row r is chain
    /// r, column c its state at the c-th of <see cref="StripColumns"/> evenly spaced times.</summary>
    public static void SaveStrip(string path, EnergyModel model, LangevinSettings settings, Generator stream)
    {
        int columns = Times(settings.Steps, StripColumns).Count; // fewer when the chain is shorter than the strip
        var images = Strip(model, settings, StripChains, columns, stream);
        ImageGrid.SavePng(path, images, StripChains * columns, 28, 28, columns);
    }

    /// <summary>The states of <paramref name="chains"/> chains at <paramref name="columns"/> times, chain-major
    /// (images[(r·columns + c)·D …]).</summary>
    public static float[] Strip(EnergyModel model, LangevinSettings settings, int chains, int columns, Generator stream)
    {
        int d = model.Domain.Dim;
        var times = Times(settings.Steps, columns);
        var images = new float[chains * times.Count * d];
        int column = 0;
        using (new TensorScope())
            LangevinSampler.FromNoise(model.Energy, chains, settings, model.Domain, model.Device, stream, (k, x) =>
            {
                if (!times.Contains(k)) return;
                var state = x.ToArray();
                for (int r = 0; r < chains; r++) Array.Copy(state, r * d, images, (r * times.Count + column) * d, d);
                column++;
            });
        return images;
    }

    /// <summary>Up to <paramref name="count"/> distinct steps evenly spaced from 0 to <paramref name="steps"/>, both included.</summary>
    public static IReadOnlyList<int> Times(int steps, int count) =>
        Enumerable.Range(0, count).Select(i => (int)Math.Round(i * (double)steps / (count - 1))).Distinct().ToList();
}
