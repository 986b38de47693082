using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.IO;

/// <summary>
/// A model's parameters and buffers (under their paths) and, optionally, its optimizer's state
/// (under <c>optimizer.</c>, with the step count and kind in the metadata), in one safetensors
/// file. Loading checks everything — every tensor present, no stranger, every shape equal, the
/// optimizer of the same kind — before it changes anything, so a bad file leaves the model and
/// optimizer as they were.
/// </summary>
public static class Checkpoint
{
    public const string FormatKey = "format", Format = "gpugen-checkpoint-1";
    private const string OptimizerPrefix = "optimizer.", OptimizerKindKey = "optimizer", OptimizerStepKey = "optimizer.step";

    public static void Save(string path, Module model, Optimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [FormatKey] = Format };
        IEnumerable<(string, Tensor)> tensors = model.StateTensors();
        if (optimizer is not null)
        {
            meta[OptimizerKindKey] = optimizer.GetType().Name;
            meta[OptimizerStepKey] = optimizer.StepCount.ToString();
            tensors = tensors.Concat(optimizer.NamedState().Select(s => (OptimizerPrefix + s.Name, s.State)));
        }
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>Loads <paramref name="path"/> into the model (and optimizer); returns the file's metadata.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path, Module model, Optimizer? optimizer = null) =>
        Load(SafeTensors.Load(path), path, model, optimizer);

    /// <summary>Loads an already-read file (whose metadata the caller used to build the model).</summary>
    public static IReadOnlyDictionary<string, string> Load(SafeTensorsFile file, string path, Module model, Optimizer? optimizer = null)
    {
        var targets = model.StateTensors().ToList();
        var stored = file.Tensors.Where(t => !t.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToDictionary();
        Match($"checkpoint {path}", "model", targets, stored);

        List<(string, Tensor)> optimizerTargets = [];
        Dictionary<string, StoredTensor> optimizerStored = [];
        int step = 0;
        if (optimizer is not null)
        {
            if (!file.Metadata.TryGetValue(OptimizerKindKey, out var kind))
                throw new GpuGenException($"checkpoint {path}: holds no optimizer state");
            if (kind != optimizer.GetType().Name)
                throw new GpuGenException($"checkpoint {path}: holds {kind} state, not {optimizer.GetType().Name}");
            if (!file.Metadata.TryGetValue(OptimizerStepKey, out var stepText) || !int.TryParse(stepText, out step) || step < 0)
                throw new GpuGenException($"checkpoint {path}: the optimizer step '{stepText}' is not a count");
            optimizerStored = file.Tensors.Where(t => t.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Key[OptimizerPrefix.Length..], t => t.Value);
            var expected = ExpectedOptimizerState(optimizer, optimizerStored);
            Match($"checkpoint {path}", "optimizer", expected, optimizerStored);
            optimizer.PrepareState(step);
            optimizerTargets = optimizer.NamedState().ToList();
        }

        // Everything matched: now write.
        using (Autograd.NoGrad())
        {
            foreach (var (name, t) in targets) CopyInto(t, stored[name]);
            foreach (var (name, t) in optimizerTargets) CopyInto(t, optimizerStored[name]);
        }
        return file.Metadata;
    }

    /// <summary>The state names and shapes the optimizer will have once prepared (it may hold none yet).</summary>
    private static List<(string, Tensor)> ExpectedOptimizerState(Optimizer optimizer, Dictionary<string, StoredTensor> stored)
    {
        // Names are {kind}.{parameter}; check against the parameters' shapes.
        var byParameter = optimizer.Parameters.ToDictionary(p => p.Name, p => p.Parameter);
        var expected = new List<(string, Tensor)>();
        foreach (var name in stored.Keys)
        {
            int dot = name.IndexOf('.');
            if (dot < 0 || !byParameter.TryGetValue(name[(dot + 1)..], out var p))
                throw new GpuGenException($"checkpoint: optimizer state '{name}' belongs to no parameter of this model");
            expected.Add((name, p));
        }
        return expected;
    }

    private static void Match(string what, string part, List<(string Name, Tensor Tensor)> targets, Dictionary<string, StoredTensor> stored)
    {
        var missing = targets.Where(t => !stored.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        var unexpected = stored.Keys.Except(targets.Select(t => t.Name)).ToList();
        var mismatched = targets.Where(t => stored.TryGetValue(t.Name, out var s) && s.Shape != t.Tensor.Shape)
            .Select(t => $"{t.Name} is {stored[t.Name].Shape} in the file but {t.Tensor.Shape} in the {part}").ToList();
        if (missing.Count + unexpected.Count + mismatched.Count == 0) return;
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}");
        if (unexpected.Count > 0) problems.Add($"unexpected {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")}");
        problems.AddRange(mismatched.Take(5));
        throw new GpuGenException($"{what} does not match the {part}: {string.Join("; ", problems)}");
    }

    private static void CopyInto(Tensor target, StoredTensor source)
    {
        using var values = Tensor.FromArray(source.Values, source.Shape, target.Device);
        Ops.Copy(values, target);
    }
}
