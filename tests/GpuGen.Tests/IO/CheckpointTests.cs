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
