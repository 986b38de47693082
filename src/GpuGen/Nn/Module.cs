using System.Text.RegularExpressions;

namespace GpuGen.Nn;

/// <summary>
/// A layer or a model: named parameters (tensors that require grad), named buffers (state
/// that is saved but not trained, such as BatchNorm's running statistics) and named child
/// modules, which make a tree whose paths name every tensor (<c>encoder.fc1.weight</c>), as in
/// PyTorch's state dicts. Parameters and buffers belong to the module, not to any
/// <see cref="TensorScope"/>; disposing the module disposes them.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Tensor Tensor)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private static readonly Regex NamePattern = new("^[A-Za-z0-9_]+$", RegexOptions.Compiled);

    /// <summary>True in training mode (dropout active, batch statistics), false in evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The module's output for one input.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>Sets training mode here and in every child; returns this module.</summary>
    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in _children) child.Train(training);
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>Every parameter with its path, this module's first, then each child's in order.</summary>
    public IEnumerable<(string Path, Tensor Tensor)> NamedParameters() => Walk(m => m._parameters);

    /// <summary>Every buffer with its path.</summary>
    public IEnumerable<(string Path, Tensor Tensor)> NamedBuffers() => Walk(m => m._buffers);

    /// <summary>Parameters and buffers: everything a checkpoint of this module holds.</summary>
    public IEnumerable<(string Path, Tensor Tensor)> StateTensors() => NamedParameters().Concat(NamedBuffers());

    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor).ToList();

    /// <summary>Number of trainable values.</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Tensor.Length);

    protected Tensor AddParameter(string name, Tensor value)
    {
        CheckName(name);
        TensorScope.Release(value);
        value.RequiresGrad = true;
        _parameters.Add((name, value));
        return value;
    }

    protected Tensor AddBuffer(string name, Tensor value)
    {
        CheckName(name);
        TensorScope.Release(value);
        _buffers.Add((name, value));
        return value;
    }

    protected T AddModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (!NamePattern.IsMatch(name))
            throw new ArgumentException($"module: '{name}' is not a valid name (letters, digits and _ only)");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"module: the name '{name}' is already taken in {GetType().Name}");
    }

    private IEnumerable<(string, Tensor)> Walk(Func<Module, List<(string Name, Tensor Tensor)>> select, string prefix = "")
    {
        foreach (var (name, t) in select(this)) yield return (prefix + name, t);
        foreach (var (name, child) in _children)
            foreach (var item in child.Walk(select, prefix + name + ".")) yield return item;
    }

    public void Dispose()
    {
        DisposeExtras();
        foreach (var (_, child) in _children) child.Dispose();
        foreach (var (_, t) in _parameters) { t.ClearGrad(); t.Dispose(); }
        foreach (var (_, t) in _buffers) t.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what a module owns besides its parameters, buffers and children (cached constants).</summary>
    protected virtual void DisposeExtras() { }

    public override string ToString() => $"{GetType().Name}({ParameterCount:N0} parameters)";
}
