using GpuGen;
using GpuGen.IO;
using GpuGen.Nn;
using GpuGen.Optim;

namespace GpuGen.Tests.IO;

public class CheckpointTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void MakeFolder() => _folder = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _folder.Dispose();

    private sealed class Net : Module
    {
        public Net(int hidden, Generator g)
        {
            Body = AddModule("body", new Sequential(new Linear(6, hidden, g, TestSupport.Cpu), Activation.Tanh(), new Linear(hidden, 3, g, TestSupport.Cpu)));
            Norm = AddModule("norm", new BatchNorm1d(3, TestSupport.Cpu));
        }

        public Sequential Body { get; }
        public BatchNorm1d Norm { get; }
        public override Tensor Forward(Tensor x) => Norm.Forward(Body.Forward(x));
    }

    private static void TrainSteps(Net net, Optimizer opt, int first, int count)
    {
        for (int step = first; step < first + count; step++)
        {
            using var scope = new TensorScope();
            var x = Tensor.FromArray(TestSupport.RandomArray(8 * 6, 1000 + step), Shape.Of(8, 6), TestSupport.Cpu);
            opt.ZeroGrad();
            Ops.Mean(Ops.Square(net.Forward(x))).Backward();
            opt.Step();
        }
    }

    private static int[][] Bits(Module m) => m.StateTensors().Select(t => t.Tensor.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray()).ToArray();

    [Test]
    public void SaveLoadIsBitIdenticalAndResumingGivesBitIdenticalSteps()
    {
        string path = _folder.File("ck.safetensors");
        using var net = new Net(5, new Generator(1));
        using var adam = new Adam(net.NamedParameters());
        TrainSteps(net, adam, 0, 3);
        Checkpoint.Save(path, net, adam, new Dictionary<string, string> { ["model"] = "net" });
        TrainSteps(net, adam, 3, 2);
        var continued = Bits(net);

        using var fresh = new Net(5, new Generator(99)); // other initial values
        using var freshAdam = new Adam(fresh.NamedParameters());
        var metadata = Checkpoint.Load(path, fresh, freshAdam);
        Assert.That(metadata["model"], Is.EqualTo("net"));
        Assert.That(freshAdam.StepCount, Is.EqualTo(3));
        TrainSteps(fresh, freshAdam, 3, 2);
        Assert.That(Bits(fresh), Is.EqualTo(continued), "resumed training repeats the original bit for bit");
    }

    [Test]
    public void AMismatchedModelIsRefusedAndLeftUntouched()
    {
        string path = _folder.File("ck.safetensors");
        using (var small = new Net(5, new Generator(1))) Checkpoint.Save(path, small);
        using var big = new Net(7, new Generator(2));
        var before = Bits(big);
        var e = Assert.Throws<GpuGenException>(() => Checkpoint.Load(path, big))!;
        Assert.That(e.Message, Does.Contain("does not match the model").And.Contain("body.0.weight is [5, 6] in the file but [7, 6] in the model"));
        Assert.That(Bits(big), Is.EqualTo(before));
    }

    [Test]
    public void MissingAndUnexpectedTensorsAndOptimizerMismatchesAreNamed()
    {
        string path = _folder.File("ck.safetensors");
        using var net = new Net(5, new Generator(1));
        using var lin = new Linear(6, 5, new Generator(1), TestSupport.Cpu);
        SafeTensors.Save(path, lin.NamedParameters());
        var e = Assert.Throws<GpuGenException>(() => Checkpoint.Load(path, net))!;
        Assert.That(e.Message, Does.Contain("missing body.0.weight").And.Contain("unexpected weight, bias"));

        Checkpoint.Save(path, net); // no optimizer state
        using var sgd = new Sgd(net.NamedParameters(), 0.1f, momentum: 0.9f);
        Assert.That(Assert.Throws<GpuGenException>(() => Checkpoint.Load(path, net, sgd))!.Message, Does.Contain("holds no optimizer state"));
        using var adam = new Adam(net.NamedParameters());
        TrainSteps(net, adam, 0, 1);
        Checkpoint.Save(path, net, adam);
        Assert.That(Assert.Throws<GpuGenException>(() => Checkpoint.Load(path, net, sgd))!.Message, Does.Contain("holds Adam state, not Sgd"));
    }
}

/// <summary>
/// Loading is all or nothing: each bad checkpoint below is refused with one error naming the
/// problem, and leaves the model's tensors, the optimizer's state and its step count exactly as
/// they were. (Before, only the keys present in the file were checked: an Adam checkpoint saved
/// before the first step overwrote the weights and then failed with a KeyNotFoundException.)
/// </summary>
public class CheckpointAllOrNothingTests
{
    private sealed class Net : Module
    {
        public Net(int hidden, Generator g)
        {
            Body = AddModule("body", new Sequential(new Linear(6, hidden, g, TestSupport.Cpu), Activation.Tanh(), new Linear(hidden, 3, g, TestSupport.Cpu)));
        }

        public Sequential Body { get; }
        public override Tensor Forward(Tensor x) => Body.Forward(x);
    }

    private static void Step(Net net, Optimizer opt, int seed)
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(TestSupport.RandomArray(8 * 6, seed), Shape.Of(8, 6), TestSupport.Cpu);
        opt.ZeroGrad();
        Ops.Mean(Ops.Square(net.Forward(x))).Backward();
        opt.Step();
    }

    /// <summary>Every bit of the model and the optimizer (names, values, step count).</summary>
    private static string Snapshot(Net net, Optimizer opt) =>
        string.Join(";", net.StateTensors().Select(t => $"{t.Path}={string.Join(",", t.Tensor.ToArray().Select(BitConverter.SingleToInt32Bits))}")
            .Concat(opt.NamedState().Select(s => $"{s.Name}={string.Join(",", s.State.ToArray().Select(BitConverter.SingleToInt32Bits))}"))
            .Append($"step={opt.StepCount}"));

    private static (Net Net, Adam Adam) Trained(int seed)
    {
        var net = new Net(5, new Generator((ulong)seed));
        var adam = new Adam(net.NamedParameters());
        for (int i = 0; i < 3; i++) Step(net, adam, seed * 10 + i);
        return (net, adam);
    }

    private static void Rewrite(string path, Func<Dictionary<string, (Shape Shape, float[] Values)>, Dictionary<string, (Shape, float[])>> change,
        Func<Dictionary<string, string>, Dictionary<string, string>>? meta = null)
    {
        var file = SafeTensors.Load(path);
        var tensors = change(file.Tensors.ToDictionary(t => t.Key, t => (t.Value.Shape, t.Value.Values)));
        var metadata = (meta ?? (m => m))(file.Metadata.ToDictionary());
        using var scope = new TensorScope();
        SafeTensors.Save(path, tensors.Select(t => (t.Key, Tensor.FromArray(t.Value.Item2, t.Value.Item1, TestSupport.Cpu))), metadata);
    }

    public static IEnumerable<TestCaseData> BadFiles()
    {
        yield return new TestCaseData("missing model tensor", (Action<string>)(p => Rewrite(p, t => { t.Remove("body.2.bias"); return t.ToDictionary(k => k.Key, k => k.Value); })), "missing body.2.bias");
        yield return new TestCaseData("extra tensor", (Action<string>)(p => Rewrite(p, t => { t["body.9.weight"] = (Shape.Of(2), [1f, 2f]); return t.ToDictionary(k => k.Key, k => k.Value); })), "unexpected body.9.weight");
        yield return new TestCaseData("wrong shape", (Action<string>)(p => Rewrite(p, t => { t["body.2.bias"] = (Shape.Of(4), [1f, 2f, 3f, 4f]); return t.ToDictionary(k => k.Key, k => k.Value); })), "body.2.bias is [4] in the file but [3] in the model");
        yield return new TestCaseData("missing optimizer state", (Action<string>)(p => Rewrite(p, t => { t.Remove("optimizer.exp_avg_sq.body.0.weight"); return t.ToDictionary(k => k.Key, k => k.Value); })), "optimizer state of 'body.0.weight' is incomplete");
        yield return new TestCaseData("optimizer state of the wrong shape", (Action<string>)(p => Rewrite(p, t => { t["optimizer.exp_avg.body.2.bias"] = (Shape.Of(2), [1f, 2f]); return t.ToDictionary(k => k.Key, k => k.Value); })), "exp_avg.body.2.bias is [2] in the file but [3] in the optimizer");
        yield return new TestCaseData("truncated file", (Action<string>)(p => { var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(b.Length - 10)]); }), "is not a valid safetensors file");
        yield return new TestCaseData("another model", (Action<string>)(p => Rewrite(p, t => t.ToDictionary(k => k.Key, k => k.Value), m => { m["model"] = "gan"; return m; })), "holds a 'gan' model, not a 'net'");
    }

    [TestCaseSource(nameof(BadFiles))]
    public void ABadCheckpointChangesNothing(string what, Action<string> spoil, string message)
    {
        using var folder = new TempFolder();
        string path = folder.File("ck.safetensors");
        var (source, sourceAdam) = Trained(1);
        using (source)
        using (sourceAdam)
            Checkpoint.Save(path, source, sourceAdam, new Dictionary<string, string> { ["model"] = "net" });
        spoil(path);
        var (net, adam) = Trained(2);
        using (net)
        using (adam)
        {
            var before = Snapshot(net, adam);
            var e = Assert.Throws<GpuGenException>(() => Checkpoint.Load(path, net, adam, new Dictionary<string, string> { ["model"] = "net" }), what)!;
            Assert.That(e.Message, Does.Contain(message));
            Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
            Assert.That(Snapshot(net, adam), Is.EqualTo(before), $"{what}: model and optimizer exactly as they were");
        }
    }

    /// <summary>An optimizer saved before its first step holds no state: loading it restores a fresh
    /// optimizer (step 0, no moments) and the saved weights — and then trains exactly as the original.</summary>
    [Test]
    public void AnOptimizerSavedBeforeItsFirstStepLoadsAsFresh()
    {
        using var folder = new TempFolder();
        string path = folder.File("ck.safetensors");
        using var original = new Net(5, new Generator(3));
        using var originalAdam = new Adam(original.NamedParameters());
        Checkpoint.Save(path, original, originalAdam);
        Assert.That(SafeTensors.Load(path).Tensors.Keys.Where(k => k.StartsWith("optimizer.")), Is.Empty);

        var (net, adam) = Trained(4); // a trained model and an optimizer with state and steps
        using (net)
        using (adam)
        {
            Checkpoint.Load(path, net, adam);
            Assert.That(adam.StepCount, Is.Zero);
            Assert.That(adam.NamedState(), Is.Empty, "no moments, as before a first step");
            Step(original, originalAdam, 77);
            Step(net, adam, 77);
            Assert.That(Snapshot(net, adam), Is.EqualTo(Snapshot(original, originalAdam)));
        }
    }

    /// <summary>A parameter average saved as a named optimizer beside Adam loads into a fresh model's parameters
    /// (LoadAverages), resumes with Adam bit for bit, and a file without averages leaves the model alone.</summary>
    [Test]
    public void ParameterAveragesLoadIntoTheModelForSampling()
    {
        using var folder = new TempFolder();
        string path = folder.File("ema.safetensors"), plain = folder.File("plain.safetensors");
        using var net = new Net(5, new Generator(3));
        using var adam = new Adam(net.NamedParameters(), 0.05f);
        using var average = new ParameterAverage(net.NamedParameters(), 0.9f);
        for (int step = 0; step < 4; step++)
        {
            Step(net, adam, step);
            average.Step();
        }
        Checkpoint.Save(path, net, [("adam", adam), ("ema", average)]);
        Checkpoint.Save(plain, net, adam);
        var averages = average.NamedState().ToDictionary(s => s.Name["average.".Length..], s => s.State.ToArray());

        using var fresh = new Net(5, new Generator(4));
        Assert.That(Checkpoint.LoadAverages(SafeTensors.Load(plain), plain, fresh, "ema"), Is.False);
        Checkpoint.Load(path, fresh);
        Assert.That(fresh.NamedParameters().Select(p => p.Tensor.ToArray()), Is.EqualTo(net.NamedParameters().Select(p => p.Tensor.ToArray())));
        Assert.That(Checkpoint.LoadAverages(SafeTensors.Load(path), path, fresh, "ema"), Is.True);
        foreach (var (name, tensor) in fresh.NamedParameters())
            Assert.That(tensor.ToArray(), Is.EqualTo(averages[name]), name);
        Assert.That(fresh.NamedParameters().Select(p => p.Tensor.ToArray()), Is.Not.EqualTo(net.NamedParameters().Select(p => p.Tensor.ToArray())));

        using var resumed = new Net(5, new Generator(5));
        using var resumedAdam = new Adam(resumed.NamedParameters(), 0.05f);
        using var resumedAverage = new ParameterAverage(resumed.NamedParameters(), 0.9f);
        Checkpoint.Load(SafeTensors.Load(path), path, resumed, [("adam", resumedAdam), ("ema", resumedAverage)]);
        Step(net, adam, 9);
        average.Step();
        Step(resumed, resumedAdam, 9);
        resumedAverage.Step();
        Assert.That(resumedAverage.NamedState().Select(s => s.State.ToArray()), Is.EqualTo(average.NamedState().Select(s => s.State.ToArray())));
    }
}
