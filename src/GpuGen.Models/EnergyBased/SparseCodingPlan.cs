using GpuGen.Data;
using GpuGen.Models.Output;
using GpuGen.Models.Runner;
using GpuGen.Optim;

namespace GpuGen.Models.EnergyBased;

/// <summary>
/// <see cref="SparseCoding"/> on MNIST digits (intensities in [0, 1], whole 784-pixel images) as a
/// <see cref="TrainingPlan"/>: an epoch is one pass over the training split in batches (seed + 1
/// orders them). Each iteration infers the batch's codes by ISTA, takes one SGD step on
/// ½·mean‖x − Dz*‖² with respect to D, and renormalises D's columns. Test terms on the test split:
/// the reconstruction error mean‖x − Dz*‖² per digit, the mean sparsity (fraction of nonzero codes),
/// the relative error Σ‖x − Dz*‖² / Σ‖x‖² and the mean energy E(x, z*). Pictures: dictionary.png (the
/// atoms) and reconstructions.png (test digits above their reconstructions).
/// </summary>
public static class SparseCodingPlan
{
    public const string ModelName = "sparse-coding";
    public static readonly string[] TrainTerms = ["reconstruction", "sparsity", "energy"];
    public static readonly string[] TestTerms = ["test_reconstruction_error", "test_sparsity", "test_relative_error", "test_energy"];

    public static OwnedPlan Create(SparseCoding model, MnistSplit train, MnistSplit test, Device device, RunOptions options)
    {
        if (options.Batch > train.Count)
            throw new GpuGenException($"--batch {options.Batch} is more than the {train.Count} training digits", isUsageError: true);
        var optimizer = new Sgd(model.NamedParameters(), options.LearningRate);
        var order = new Generator(options.Seed + 1);
        var loader = new BatchLoader(train, options.Batch, device, order, dropLast: true);
        var plan = new TrainingPlan
        {
            Name = ModelName,
            Module = model,
            Optimizers = [("", optimizer)],
            Metadata = new Dictionary<string, string>(model.Settings.ToMetadata()) { ["model"] = ModelName, ["data"] = "mnist", ["pixels"] = $"{train.PixelsPerImage}" },
            Streams = new Dictionary<string, Generator> { ["data_order"] = order },
            StepsPerEpoch = loader.BatchesPerEpoch,
            ExamplesPerEpoch = loader.BatchesPerEpoch * options.Batch,
            Batches = () => loader.Epoch().Select(b => b.Images),
            TrainTerms = TrainTerms,
            Iterate = (x, _) => Iterate(model, optimizer, x),
            TestTerms = TestTerms,
            Evaluate = _ => Evaluate(model, test, device),
            FinalMetrics = _ => new Dictionary<string, object?> { ["atoms"] = model.Settings.Atoms, ["lambda"] = model.Settings.Lambda, ["ista_steps"] = model.Settings.IstaSteps },
            WritePictures = (folder, _) => WritePictures(folder, model, test, device),
            LossUnit = "½‖x − Dz‖² per digit",
            RunFacts = new Dictionary<string, object?> { ["data"] = "mnist", ["test_examples"] = test.Count },
        };
        return new OwnedPlan(plan, optimizer);
    }

    /// <summary>One dictionary step; returns [½ mean‖x − Dz*‖², sparsity of z*, mean E(x, z*)].</summary>
    public static double[] Iterate(SparseCoding model, Optimizer optimizer, Tensor x)
    {
        var z = model.Codes(x);
        int batch = x.Shape[0];
        var reconstruction = Ops.Mul(Ops.Sum(Ops.Square(Ops.Sub(x, model.Reconstruct(z)))), 0.5f / batch);
        optimizer.ZeroGrad();
        reconstruction.Backward(); // ∂/∂D = −(1/B)·Σ_b (x_b − Dz_b) z_bᵀ
        optimizer.Step();
        model.NormaliseColumns();
        double r = reconstruction.Item();
        double l1;
        using (Autograd.NoGrad()) l1 = Ops.Mean(Ops.Sum(Ops.Abs(z), 1)).Item();
        return [r, Sparsity(z), r + model.Settings.Lambda * l1];
    }

    /// <summary>The fraction of codes that are not zero.</summary>
    public static double Sparsity(Tensor z)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        return Ops.Mean(Ops.NotEqual(z, 0f)).Item();
    }

    /// <summary>[mean ‖x − Dz*‖² per digit, fraction of nonzero codes, Σ‖x − Dz*‖² / Σ‖x‖², mean E(x, z*)] over
    /// the split, in batches of 500. The power iteration starts from a copy of the model's vector, so
    /// evaluating leaves training unchanged.</summary>
    public static double[] Evaluate(SparseCoding model, MnistSplit split, Device device)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var vector = Ops.Clone(model.PowerVector);
        float l = Ista.LargestEigenvalue(Ops.MatMul(model.Dictionary, model.Dictionary, transA: true), vector, 50);
        double squared = 0, nonzero = 0, norm = 0, energy = 0;
        foreach (var (x, _) in new BatchLoader(split, 500, device).Epoch())
        {
            using var batch = new TensorScope();
            var z = Ista.Codes(x, model.Dictionary, model.Settings.Lambda, 1f / l, model.Settings.IstaSteps);
            squared += Ops.Sum(Ops.Square(Ops.Sub(x, model.Reconstruct(z)))).Item();
            nonzero += Ops.Sum(Ops.NotEqual(z, 0f)).Item();
            norm += Ops.Sum(Ops.Square(x)).Item();
            energy += Ops.Sum(Ista.Energy(x, model.Dictionary, z, model.Settings.Lambda)).Item();
        }
        return [squared / split.Count, nonzero / ((double)split.Count * model.Settings.Atoms), squared / norm, energy / split.Count];
    }

    private static IReadOnlyList<string> WritePictures(string folder, SparseCoding model, MnistSplit test, Device device)
    {
        SaveDictionary(Path.Combine(folder, "dictionary.png"), model);
        const int shown = 16;
        float[] digits, reconstructions;
        using (new TensorScope())
        {
            var x = test.Images(Enumerable.Range(0, shown).ToArray(), device);
            digits = x.ToArray();
            var vector = Ops.Clone(model.PowerVector);
            float l = Ista.LargestEigenvalue(Ops.MatMul(model.Dictionary, model.Dictionary, transA: true), vector, 50);
            reconstructions = model.Reconstruct(Ista.Codes(x, model.Dictionary, model.Settings.Lambda, 1f / l, model.Settings.IstaSteps)).ToArray();
        }
        ImageGrid.SavePng(Path.Combine(folder, "reconstructions.png"), [.. digits, .. reconstructions], 2 * shown, test.Rows, test.Cols, shown);
        return ["dictionary.png", "reconstructions.png"];
    }

    /// <summary>The atoms as a grid of 28 × 28 tiles, each shown as 0.5 + 0.5·d/max|d| (grey is zero).</summary>
    public static void SaveDictionary(string path, SparseCoding model)
    {
        var d = model.Dictionary.ToArray(); // [P, K]
        int pixels = model.Dictionary.Shape[0], atoms = model.Dictionary.Shape[1];
        var tiles = new float[atoms * pixels];
        for (int k = 0; k < atoms; k++)
        {
            float max = 1e-12f;
            for (int p = 0; p < pixels; p++) max = Math.Max(max, Math.Abs(d[p * atoms + k]));
            for (int p = 0; p < pixels; p++) tiles[k * pixels + p] = 0.5f + 0.5f * d[p * atoms + k] / max;
        }
        int side = (int)Math.Round(Math.Sqrt(pixels));
        ImageGrid.SavePng(path, tiles, atoms, side, pixels / side, (int)Math.Ceiling(Math.Sqrt(atoms)));
    }
}
