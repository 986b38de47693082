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

    /// <summary>Loads <paramref name="path"/> into the model (and optimizer); returns the file's metadata.
    /// <paramref name="expected"/>: metadata the file must carry with these exact values (the model's
    /// family and sizes), checked with everything else before anything changes.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path, Module model, Optimizer? optimizer = null,
        IReadOnlyDictionary<string, string>? expected = null) =>
        Load(SafeTensors.Load(path), path, model, optimizer, expected);

    /// <summary>
    /// Loads an already-read file (whose metadata the caller may have used to build the model).
    /// All or nothing: the metadata, every model tensor (present, no stranger, same shape) and
    /// the optimizer's kind, step and state (every name belongs to a parameter and a kind of
    /// state, each parameter's state is complete or absent, shapes equal) are checked first; a
    /// problem is one error naming the first of them, and the model and optimizer are untouched.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Load(SafeTensorsFile file, string path, Module model, Optimizer? optimizer = null,
        IReadOnlyDictionary<string, string>? expected = null)
    {
        string what = $"checkpoint {path}";
        foreach (var (key, value) in expected ?? new Dictionary<string, string>())
        {
            if (!file.Metadata.TryGetValue(key, out var found))
                throw new GpuGenException($"{what}: its metadata has no '{key}' (expected {value}): not a checkpoint of this model");
            if (found != value)
                throw new GpuGenException(key == "model"
                    ? $"{what}: holds a '{found}' model, not a '{value}'"
                    : $"{what}: '{key}' is {found} in the file but {value} here");
        }
        var targets = model.StateTensors().ToList();
        var stored = file.Tensors.Where(t => !t.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToDictionary();
        Match(what, "model", targets.Select(t => (t.Path, t.Tensor.Shape)).ToList(), stored);

        Dictionary<string, StoredTensor> optimizerStored = [];
        int step = 0;
        if (optimizer is not null)
        {
            if (!file.Metadata.TryGetValue(OptimizerKindKey, out var kind))
                throw new GpuGenException($"{what}: holds no optimizer state");
            if (kind != optimizer.GetType().Name)
                throw new GpuGenException($"{what}: holds {kind} state, not {optimizer.GetType().Name}");
            if (!file.Metadata.TryGetValue(OptimizerStepKey, out var stepText) || !int.TryParse(stepText, out step) || step < 0)
                throw new GpuGenException($"{what}: the optimizer step '{stepText}' is not a count");
            optimizerStored = file.Tensors.Where(t => t.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Key[OptimizerPrefix.Length..], t => t.Value);
            CheckOptimizerState(what, optimizer, optimizerStored);
        }

        // Everything matched: now write.
        using (Autograd.NoGrad())
            foreach (var (name, t) in targets) CopyInto(t, stored[name]);
        optimizer?.Restore(step, name => optimizerStored.TryGetValue(name, out var s) ? s.Values : null);
        return file.Metadata;
    }

    /// <summary>
    /// The stored state must be a subset of the optimizer's layout, with whole parameters: Adam
    /// keeps both moments of a parameter from its first update on, and none before it (a
    /// checkpoint saved before the first step holds no state at all).
    /// </summary>
    private static void CheckOptimizerState(string what, Optimizer optimizer, Dictionary<string, StoredTensor> stored)
    {
        var layout = optimizer.StateLayout().ToList();
        var known = layout.Select(l => l.Name).ToHashSet();
        if (stored.Keys.FirstOrDefault(k => !known.Contains(k)) is { } stranger)
            throw new GpuGenException($"{what}: optimizer state '{stranger}' belongs to no parameter of this model or no state of {optimizer.GetType().Name}");
        foreach (var (name, _, shape) in layout)
            if (stored.TryGetValue(name, out var s) && s.Shape != shape)
                throw new GpuGenException($"{what} does not match the optimizer: {name} is {s.Shape} in the file but {shape} in the optimizer");
        foreach (var parameter in layout.GroupBy(l => l.Parameter))
        {
            var present = parameter.Where(l => stored.ContainsKey(l.Name)).ToList();
            if (present.Count > 0 && present.Count < parameter.Count())
                throw new GpuGenException($"{what}: optimizer state of '{optimizer.Parameters[parameter.Key].Name}' is incomplete: missing {string.Join(", ", parameter.Where(l => !stored.ContainsKey(l.Name)).Select(l => l.Name))}");
        }
    }

    private static void Match(string what, string part, List<(string Name, Shape Shape)> targets, Dictionary<string, StoredTensor> stored)
    {
        var missing = targets.Where(t => !stored.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        var unexpected = stored.Keys.Except(targets.Select(t => t.Name)).ToList();
        var mismatched = targets.Where(t => stored.TryGetValue(t.Name, out var s) && s.Shape != t.Shape)
            .Select(t => $"{t.Name} is {stored[t.Name].Shape} in the file but {t.Shape} in the {part}").ToList();
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
