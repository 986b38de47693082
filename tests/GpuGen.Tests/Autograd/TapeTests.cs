using GpuGen;

namespace GpuGen.Tests.Autograd;

/// <summary>The tape's contract: accumulation, release, errors, no-grad, detach, in-place refusal.</summary>
public class TapeTests
{
    private static Device Cpu => TestSupport.Cpu;

    private static Tensor Leaf(params float[] values)
    {
        var t = Tensor.FromArray(values, Cpu);
        t.RequiresGrad = true;
        return t;
    }

    [Test]
    public void BackwardAccumulatesIntoLeavesThatRequireGrad()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f, 3f);
        var w = Tensor.FromArray([2f, 2f, 2f], Cpu); // data: no grad
        var loss = Ops.Sum(Ops.Mul(Ops.Mul(x, x), w)); // Σ 2x²  → ∂/∂x = 4x
        loss.Backward(retainGraph: true);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new float[] { 4, 8, 12 }));
        Assert.That(w.Grad, Is.Null);
        loss.Backward(); // a second pass through the retained graph adds
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new float[] { 8, 16, 24 }));
        x.ClearGrad();
    }

    [Test]
    public void ATensorUsedTwiceGetsBothContributions()
    {
        using var scope = new TensorScope();
        var x = Leaf(3f);
        var y = Ops.Add(Ops.Mul(x, x), Ops.Exp(x)); // x² + eˣ → 2x + eˣ
        y.Backward();
        Assert.That(x.Grad!.Item(), Is.EqualTo(6 + MathF.Exp(3)).Within(1e-4));
        x.ClearGrad();
    }

    [Test]
    public void TheGradientOutlivesTheStepScope()
    {
        var x = Leaf(1f, -1f);
        using (new TensorScope())
        {
            Ops.Sum(Ops.Square(x)).Backward();
        }
        Assert.That(x.Grad!.IsDisposed, Is.False, "a parameter's gradient belongs to the parameter, not to the step");
        Assert.That(x.Grad.ToArray(), Is.EqualTo(new float[] { 2, -2 }));
        x.ClearGrad();
        x.Dispose();
    }

    [Test]
    public void ASecondBackwardThroughAReleasedGraphIsAClearError()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var loss = Ops.Sum(Ops.Tanh(x));
        loss.Backward();
        var e = Assert.Throws<GpuGenException>(() => loss.Backward())!;
        Assert.That(e.Message, Does.Contain("already released").And.Contain("retainGraph"));
        x.ClearGrad();
    }

    [Test]
    public void BackwardOnANonScalarNeedsGradOutputs()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var y = Ops.Mul(x, 3f);
        var e = Assert.Throws<GpuGenException>(() => y.Backward())!;
        Assert.That(e.Message, Does.Contain("not one element").And.Contain("gradOutputs"));
        y.Backward(Tensor.FromArray([1f, 10f], Cpu)); // a vector–Jacobian product
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new float[] { 3, 30 }));
        x.ClearGrad();
    }

    [Test]
    public void GradRefusesAnInputThatTakesNoPart()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f);
        var unused = Leaf(2f);
        var y = Ops.Square(x);
        var e = Assert.Throws<GpuGenException>(() => GpuGen.Autograd.Grad([y], [x, unused]))!;
        Assert.That(e.Message, Does.Contain("input 1 [1] does not take part"));
        var g = GpuGen.Autograd.Grad([Ops.Square(x)], [x, unused], allowUnused: true);
        Assert.That(g[1].ToArray(), Is.EqualTo(new float[] { 0 }));
    }

    [Test]
    public void AnOutputThatDoesNotRequireGradIsAClearError()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray([1f], Cpu);
        Assert.That(Assert.Throws<GpuGenException>(() => Ops.Square(x).Backward())!.Message, Does.Contain("does not require grad"));
    }

    [Test]
    public void GradReturnsDifferentiableGradientsWithCreateGraph()
    {
        using var scope = new TensorScope();
        var x = Leaf(0.5f);
        var y = Ops.Mul(Ops.Square(x), x); // x³
        var dy = GpuGen.Autograd.Grad([y], [x], createGraph: true)[0]; // 3x²
        Assert.That(dy.Item(), Is.EqualTo(0.75f).Within(1e-6));
        Assert.That(dy.RequiresGrad, Is.True);
        var d2y = GpuGen.Autograd.Grad([dy], [x])[0]; // 6x
        Assert.That(d2y.Item(), Is.EqualTo(3f).Within(1e-6));
        Assert.That(x.Grad, Is.Null, "Grad does not touch .Grad");
    }

    [Test]
    public void NoGradAndDetachRecordNothing()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        using (GpuGen.Autograd.NoGrad())
        {
            Assert.That(GpuGen.Autograd.IsRecording, Is.False);
            var y = Ops.Exp(x);
            Assert.That(y.RequiresGrad, Is.False);
        }
        Assert.That(GpuGen.Autograd.IsRecording, Is.True);
        var d = Ops.Exp(x).Detach();
        Assert.That(d.RequiresGrad || !d.IsLeaf, Is.False);
        var nonLeaf = Ops.Exp(x);
        Assert.That(Assert.Throws<GpuGenException>(() => nonLeaf.RequiresGrad = false)!.Message, Does.Contain("not a leaf"));
    }

    [Test]
    public void InPlaceOpsOnTensorsThatRequireGradAreRefusedWhileRecording()
    {
        using var scope = new TensorScope();
        var x = Leaf(1f, 2f);
        var y = Ops.Exp(x);
        Assert.That(Assert.Throws<GpuGenException>(() => Ops.Scale(y, 2f))!.Message, Does.StartWith("scale: writes in place"));
        Assert.Throws<GpuGenException>(() => Ops.Fill(x, 0f));
        Assert.Throws<GpuGenException>(() => Ops.Axpy(1f, x, Tensor.Zeros(Shape.Of(2), Cpu)));
        using (GpuGen.Autograd.NoGrad()) Ops.Fill(x, 0f); // an optimizer's update, say
        Assert.That(x.ToArray(), Is.EqualTo(new float[2]));
    }

    [Test]
    public void ADisposedSavedTensorIsNamedAtBackward()
    {
        var x = Leaf(1f, 2f);
        var h = Ops.Exp(x);
        var loss = Ops.Sum(Ops.Mul(h, h));
        h.Dispose();
        var e = Assert.Throws<GpuGenException>(() => loss.Backward())!;
        Assert.That(e.Message, Does.Contain("backward of 'mul'").And.Contain("disposed"));
        loss.Dispose();
        x.Dispose();
    }

    [Test]
    public void GradientsOfBroadcastOperandsAreSummedBackToTheirShapes()
    {
        using var scope = new TensorScope();
        var a = Tensor.FromArray(new float[6], Shape.Of(2, 3), Cpu);
        a.RequiresGrad = true;
        var b = Tensor.FromArray([1f, 2f, 3f], Cpu);
        b.RequiresGrad = true;
        var s = Tensor.FromArray([5f], Shape.Scalar, Cpu);
        s.RequiresGrad = true;
        Ops.Sum(Ops.Mul(Ops.Add(a, b), s)).Backward();
        Assert.That(a.Grad!.Shape, Is.EqualTo(Shape.Of(2, 3)));
        Assert.That(b.Grad!.ToArray(), Is.EqualTo(new float[] { 10, 10, 10 }));
        Assert.That(s.Grad!.Item(), Is.EqualTo(12f)); // Σ(a + b) over both rows
        foreach (var t in new[] { a, b, s }) t.ClearGrad();
    }

    /// <summary>Autograd.Grad computes only the partials on a path to the inputs asked for (as
    /// PyTorch's autograd.grad): ∂/∂x of a two-layer MLP whose weights require grad runs the two
    /// forward GEMMs and the two data-gradient GEMMs, not the weights' two, and gives the same
    /// values as a backward that computes everything.</summary>
    [Test, NonParallelizable] // the profiler is process-wide
    public void GradComputesOnlyWhatLeadsToItsInputs()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(TestSupport.RandomArray(4 * 3, 1), Shape.Of(4, 3), Cpu);
        var w1 = Tensor.FromArray(TestSupport.RandomArray(5 * 3, 2), Shape.Of(5, 3), Cpu);
        var w2 = Tensor.FromArray(TestSupport.RandomArray(2 * 5, 3), Shape.Of(2, 5), Cpu);
        x.RequiresGrad = w1.RequiresGrad = w2.RequiresGrad = true;
        Tensor Net() => Ops.Sum(Ops.Linear(Ops.Relu(Ops.Linear(x, w1)), w2));

        global::GpuGen.Launch.Profiler.Clear();
        Tensor dx;
        using (global::GpuGen.Launch.Profiler.Record()) dx = global::GpuGen.Autograd.Grad([Net()], [x])[0];
        int gemms = global::GpuGen.Launch.Profiler.Records.Count(r => r.Kernel == "GemmHost");
        global::GpuGen.Launch.Profiler.Clear();
        Assert.That(gemms, Is.EqualTo(4), "two forward products and two input gradients; none for the weights");

        Net().Backward();
        Assert.That(dx.ToArray(), Is.EqualTo(x.Grad!.ToArray()), "the same ∂/∂x as a full backward");
        Assert.That(w1.Grad, Is.Not.Null, "a backward still reaches every leaf");
        x.ClearGrad(); w1.ClearGrad(); w2.ClearGrad();
    }
}
