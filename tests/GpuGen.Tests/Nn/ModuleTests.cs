using GpuGen;
using GpuGen.Nn;

namespace GpuGen.Tests.Nn;

public class ModuleTests
{
    private static Device Cpu => TestSupport.Cpu;

    private sealed class Encoder : Module
    {
        public Encoder(Generator g)
        {
            Fc1 = AddModule("fc1", new Linear(4, 3, g, Cpu));
            Net = AddModule("net", new Sequential(new Linear(3, 2, g, Cpu), Activation.Relu(), new Dropout(0.5f, g)));
        }

        public Linear Fc1 { get; }
        public Sequential Net { get; }
        public override Tensor Forward(Tensor x) => Net.Forward(Fc1.Forward(x));
    }

    [Test]
    public void ParametersAreNamedByTheirPathInTheTree()
    {
        using var model = new Encoder(new Generator(1));
        Assert.That(model.NamedParameters().Select(p => p.Path), Is.EqualTo(new[] { "fc1.weight", "fc1.bias", "net.0.weight", "net.0.bias" }));
        Assert.That(model.ParameterCount, Is.EqualTo(4 * 3 + 3 + 3 * 2 + 2));
        Assert.That(model.Parameters().All(p => p.RequiresGrad && p.IsLeaf), Is.True);
    }

    [Test]
    public void TrainAndEvalReachEveryChild()
    {
        using var model = new Encoder(new Generator(1));
        model.Eval();
        Assert.That(model.Net.Layers[2].Training, Is.False);
        model.Train();
        Assert.That(model.Net.Layers[2].Training, Is.True);
    }

    [Test]
    public void NamesAreChecked()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => new BadName())!.Message, Does.Contain("'bad.name'"));
    }

    private sealed class BadName : Module
    {
        public BadName() => AddParameter("bad.name", Tensor.Zeros(Shape.Of(1), Cpu));
        public override Tensor Forward(Tensor x) => x;
    }

    [Test]
    public void InitialisersDrawFromTheRightDistributions()
    {
        var g = new Generator(7);
        using var linear = new Linear(400, 300, g, Cpu);
        var w = linear.Weight.ToArray();
        float bound = 1 / MathF.Sqrt(400);
        Assert.That(w.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.95f * bound));
        Assert.That(w.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.95f * bound));
        Assert.That(linear.Bias!.ToArray().Max(), Is.LessThanOrEqualTo(bound));

        using var t = Tensor.Zeros(Shape.Of(300, 200), Cpu);
        Init.XavierNormal(t, g);
        Assert.That(StdDev(t.ToArray()), Is.EqualTo(Math.Sqrt(2.0 / 500)).Within(3).Percent);
        Init.KaimingNormal(t, g);
        Assert.That(StdDev(t.ToArray()), Is.EqualTo(Math.Sqrt(2.0 / 200)).Within(3).Percent);
        Init.XavierUniform(t, g);
        Assert.That(t.ToArray().Max(), Is.LessThanOrEqualTo(MathF.Sqrt(6f / 500)));
        Init.KaimingUniform(t, g, a: 0.2f, mode: FanMode.FanOut);
        Assert.That(StdDev(t.ToArray()), Is.EqualTo(Math.Sqrt(2 / 1.04) / Math.Sqrt(300)).Within(3).Percent);
    }

    private static double StdDev(float[] v)
    {
        double m = v.Average(x => (double)x);
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length);
    }

    [Test]
    public void DropoutScalesInTrainingAndIsTheIdentityInEval()
    {
        var dropout = new Dropout(0.25f, new Generator(3));
        using var x = Tensor.Ones(Shape.Of(20000), Cpu);
        using (var y = dropout.Forward(x))
        {
            var v = y.ToArray();
            Assert.That(v.All(e => e == 0f || Math.Abs(e - 1 / 0.75f) < 1e-6), Is.True);
            Assert.That(v.Count(e => e == 0f) / 20000.0, Is.EqualTo(0.25).Within(0.02));
        }
        dropout.Eval();
        Assert.That(dropout.Forward(x), Is.SameAs(x));
    }

    [Test]
    public void LayerNormNormalisesTheLastDimension()
    {
        using var scope = new TensorScope();
        var ln = new LayerNorm(5, Cpu);
        var x = Tensor.FromArray(TestSupport.RandomArray(15, 4), Shape.Of(3, 5), Cpu);
        var y = ln.Forward(x).ToArray();
        for (int r = 0; r < 3; r++)
        {
            var row = y[(r * 5)..(r * 5 + 5)];
            Assert.That(row.Average(), Is.EqualTo(0).Within(1e-5));
            Assert.That(row.Select(v => v * v).Average(), Is.EqualTo(1).Within(1e-3)); // var/(var + ε)
        }
        ln.Dispose();
    }

    [Test]
    public void BatchNormUsesBatchStatisticsInTrainingAndRunningOnesInEval()
    {
        using var scope = new TensorScope();
        var bn = new BatchNorm1d(2, Cpu, momentum: 0.5f);
        var x = Tensor.FromArray([1f, 10f, 3f, 20f, 5f, 30f], Shape.Of(3, 2), Cpu);
        var y = bn.Forward(x).ToArray();
        Assert.That(y[0] + y[2] + y[4], Is.EqualTo(0).Within(1e-5));
        // running ← ½·0 + ½·mean; var ← ½·1 + ½·unbiased variance (4 and 100)
        Assert.That(bn.RunningMean.ToArray(), Is.EqualTo(new[] { 1.5f, 10f }).Within(1e-5));
        Assert.That(bn.RunningVar.ToArray(), Is.EqualTo(new[] { 2.5f, 50.5f }).Within(1e-4));
        bn.Eval();
        var e = bn.Forward(x).ToArray();
        Assert.That(e[0], Is.EqualTo((1 - 1.5) / Math.Sqrt(2.5 + 1e-5)).Within(1e-5));
        Assert.That(bn.NamedBuffers().Select(b => b.Path), Is.EqualTo(new[] { "running_mean", "running_var" }));
        bn.Dispose();
    }

    [Test]
    public void EmbeddingLooksUpRowsAndRefusesBadIndices()
    {
        using var scope = new TensorScope();
        var emb = new Embedding(4, 3, new Generator(5), Cpu);
        var w = emb.Weight.ToArray();
        var y = emb.Forward(Tensor.FromArray([2f, 0f, 2f], Cpu));
        Assert.That(y.ToArray(), Is.EqualTo(w[6..9].Concat(w[0..3]).Concat(w[6..9]).ToArray()));
        Ops.Sum(y).Backward();
        Assert.That(emb.Weight.Grad!.ToArray(), Is.EqualTo(new float[] { 1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0 }));
        Assert.That(Assert.Throws<GpuGenException>(() => emb.Forward(Tensor.FromArray([4f], Cpu)))!.Message, Does.Contain("index 4"));
        Assert.Throws<GpuGenException>(() => emb.Forward(Tensor.FromArray([1.5f], Cpu)));
        emb.Dispose();
    }

    /// <summary>Sequential runs Linear + ReLU as one LinearRelu: the same outputs and parameter
    /// gradients as the layers applied one by one.</summary>
    [Test]
    public void AnMlpGivesWhatItsLayersGiveOneByOne()
    {
        using var scope = new TensorScope();
        var cpu = TestSupport.Cpu;
        var mlp = Sequential.Mlp([5, 7, 6, 3], Activation.Relu, new Generator(4), cpu);
        var x = Tensor.FromArray(TestSupport.RandomArray(8 * 5, 41), Shape.Of(8, 5), cpu);
        Tensor OneByOne(Tensor input)
        {
            foreach (var layer in mlp.Layers) input = layer.Forward(input);
            return input;
        }
        var fused = mlp.Forward(x);
        var plain = OneByOne(x);
        Assert.That(fused.ToArray(), Is.EqualTo(plain.ToArray()));
        var parameters = mlp.Parameters().ToArray();
        var gFused = global::GpuGen.Autograd.Grad([Ops.Sum(Ops.Square(fused))], parameters);
        var gPlain = global::GpuGen.Autograd.Grad([Ops.Sum(Ops.Square(plain))], parameters);
        for (int i = 0; i < parameters.Length; i++) Assert.That(gFused[i].ToArray(), Is.EqualTo(gPlain[i].ToArray()), $"parameter {i}");
    }
}
