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

    public static void Save(string path, Module model, Optimizer? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, model, optimizer is null ? [] : [("", optimizer)], metadata);

    /// <summary>
    /// Saves the model and several optimizers (a GAN's two), each under its name: optimizer
    /// <c>d</c>'s state as <c>optimizer.d.&lt;parameter&gt;.&lt;slot&gt;</c>, its kind and step in the
    /// metadata keys <c>optimizer.d</c> and <c>optimizer.d.step</c>. The name "" (a model's one
    /// optimizer) gives <c>optimizer.&lt;parameter&gt;…</c>, <c>optimizer</c> and <c>optimizer.step</c>.
    /// </summary>
    public static void Save(string path, Module model, IReadOnlyList<(string Name, Optimizer Optimizer)> optimizers,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        CheckNames(optimizers);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [FormatKey] = Format };
        IEnumerable<(string, Tensor)> tensors = model.StateTensors();
        foreach (var (name, optimizer) in optimizers)
        {
            var keys = Keys(name);
            meta[keys.Kind] = optimizer.GetType().Name;
            meta[keys.Step] = optimizer.StepCount.ToString();
            tensors = tensors.Concat(optimizer.NamedState().Select(s => (keys.Prefix + s.Name, s.State)));
        }
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>Where optimizer <paramref name="name"/> keeps its kind, step and state.</summary>
    private static (string Kind, string Step, string Prefix) Keys(string name) =>
        name == "" ? (OptimizerKindKey, OptimizerStepKey, OptimizerPrefix)
            : (OptimizerKindKey + "." + name, OptimizerKindKey + "." + name + ".step", OptimizerPrefix + name + ".");

    /// <summary>One unnamed optimizer, or any number of distinct names without dots (so no
    /// optimizer's keys can be read as another's).</summary>
    private static void CheckNames(IReadOnlyList<(string Name, Optimizer Optimizer)> optimizers)
    {
        if (optimizers.Count > 1 && optimizers.Any(o => o.Name == "" || o.Name.Contains('.')))
            throw new ArgumentException("checkpoint: several optimizers need distinct names without dots");
        if (optimizers.Select(o => o.Name).Distinct().Count() != optimizers.Count)
            throw new ArgumentException("checkpoint: two optimizers share a name");
    }

    /// <summary>Loads <paramref name="path"/> into the model (and optimizer); returns the file's metadata.
    /// <paramref name="expected"/>: metadata the file must carry with these exact values (the model's
    /// family and sizes), checked with everything else before anything changes.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path, Module model, Optimizer? optimizer = null,
        IReadOnlyDictionary<string, string>? expected = null) =>
        Load(SafeTensors.Load(path), path, model, optimizer, expected);

    /// <summary>Loads an already-read file (whose metadata the caller may have used to build the model).</summary>
    public static IReadOnlyDictionary<string, string> Load(SafeTensorsFile file, string path, Module model, Optimizer? optimizer = null,
        IReadOnlyDictionary<string, string>? expected = null) =>
        Load(file, path, model, optimizer is null ? [] : [("", optimizer)], expected);

    /// <summary>
    /// Loads the model and the named optimizers (see <see cref="Save(string, Module, IReadOnlyList{ValueTuple{string, Optimizer}}, IReadOnlyDictionary{string, string})"/>).
    /// All or nothing: the metadata, every model tensor (present, no stranger, same shape) and
    /// each optimizer's kind, step and state (every name belongs to a parameter and a kind of
    /// state, each parameter's state is complete or absent, shapes equal) are checked first; a
    /// problem is one error naming the first of them, and the model and optimizers are untouched.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Load(SafeTensorsFile file, string path, Module model,
        IReadOnlyList<(string Name, Optimizer Optimizer)> optimizers, IReadOnlyDictionary<string, string>? expected = null)
    {
        CheckNames(optimizers);
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

        var restores = new List<Action>();
        foreach (var (name, optimizer) in optimizers)
        {
            var keys = Keys(name);
            string which = name == "" ? "optimizer" : $"optimizer '{name}'";
            if (!file.Metadata.TryGetValue(keys.Kind, out var kind))
                throw new GpuGenException($"{what}: holds no {which} state");
            if (kind != optimizer.GetType().Name)
                throw new GpuGenException($"{what}: holds {kind} state{(name == "" ? "" : $" for {which}")}, not {optimizer.GetType().Name}");
            if (!file.Metadata.TryGetValue(keys.Step, out var stepText) || !int.TryParse(stepText, out int step) || step < 0)
                throw new GpuGenException($"{what}: the {which} step '{stepText}' is not a count");
            var optimizerStored = file.Tensors.Where(t => t.Key.StartsWith(keys.Prefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Key[keys.Prefix.Length..], t => t.Value);
            CheckOptimizerState(what, optimizer, optimizerStored);
            restores.Add(() => optimizer.Restore(step, n => optimizerStored.TryGetValue(n, out var st) ? st.Values : null));
        }
        if (optimizers.Count > 1 || (optimizers.Count == 1 && optimizers[0].Name != ""))
        {
            var prefixes = optimizers.Select(o => Keys(o.Name).Prefix).ToList();
            if (file.Tensors.Keys.FirstOrDefault(k => k.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))) is { } stranger)
                throw new GpuGenException($"{what}: '{stranger}' belongs to no optimizer of this run ({string.Join(", ", optimizers.Select(o => o.Name))})");
        }

        // Everything matched: now write.
        using (Autograd.NoGrad())
            foreach (var (name, t) in targets) CopyInto(t, stored[name]);
        foreach (var restore in restores) restore();
        return file.Metadata;
    }

    /// <summary>
    /// Copies the parameter averages that optimizer <paramref name="name"/> (a <see cref="ParameterAverage"/>)
    /// kept in the file into <paramref name="model"/>'s parameters, for sampling from the averaged model;
    /// false (the model untouched) when the file holds no such average or none was taken yet. Every
    /// parameter's average must be there with its shape, checked before anything is written.
    /// </summary>
    public static bool LoadAverages(SafeTensorsFile file, string path, Module model, string name)
    {
        var keys = Keys(name);
        if (file.Metadata.GetValueOrDefault(keys.Kind) != nameof(ParameterAverage)) return false;
        string prefix = keys.Prefix + ParameterAverage.StateKind + ".";
        if (!file.Tensors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal))) return false;
        var parameters = model.NamedParameters().ToList();
        var stored = parameters.ToDictionary(p => p.Path, p => file.Tensors.GetValueOrDefault(prefix + p.Path));
        foreach (var (parameter, tensor) in parameters)
        {
            if (stored[parameter] is not { } s)
                throw new GpuGenException($"checkpoint {path}: the averages of optimizer '{name}' miss '{parameter}'");
            if (s.Shape != tensor.Shape)
                throw new GpuGenException($"checkpoint {path}: the average of '{parameter}' is {s.Shape} in the file but {tensor.Shape} in the model");
        }
        using (Autograd.NoGrad())
            foreach (var (parameter, tensor) in parameters) CopyInto(tensor, stored[parameter]!);
        return true;
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
