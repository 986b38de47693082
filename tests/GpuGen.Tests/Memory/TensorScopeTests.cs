using GpuGen;

namespace GpuGen.Tests.Memory;

public class TensorScopeTests
{
    private static Device Cpu => TestSupport.Cpu;

    [Test]
    public void DisposesEverythingMadeInsideButWhatIsKept()
    {
        Tensor a, b, view, kept;
        using (var scope = new TensorScope())
        {
            a = Tensor.Ones(Shape.Of(10), Cpu);
            b = Ops.Clone(a);
            view = b.Reshape(2, 5);
            kept = scope.Keep(Tensor.Zeros(Shape.Of(3), Cpu));
            Assert.That(scope.Count, Is.EqualTo(3));
        }
        Assert.That(a.IsDisposed && b.IsDisposed && view.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(kept.ToArray(), Is.EqualTo(new float[3]));
        kept.Dispose();
    }

    [Test]
    public void KeptTensorsMoveToTheEnclosingScope()
    {
        Tensor inner;
        using (var outer = new TensorScope())
        {
            using (var scope = new TensorScope())
            {
                inner = scope.Keep(Tensor.Ones(Shape.Of(2), Cpu));
                Assert.That(TensorScope.Current, Is.SameAs(scope));
            }
            Assert.That(TensorScope.Current, Is.SameAs(outer));
            Assert.That(inner.IsDisposed, Is.False);
            Assert.That(outer.Count, Is.EqualTo(1));
        }
        Assert.That(inner.IsDisposed, Is.True);
        Assert.That(TensorScope.Current, Is.Null);
    }

    [Test]
    public void ReturnsEveryBufferToTheCache()
    {
        long inUse = Cpu.MemoryStats.BytesInUse;
        using (new TensorScope())
        {
            for (int i = 1; i <= 20; i++) Tensor.Full(Shape.Of(i * 100), i, Cpu);
            Assert.That(Cpu.MemoryStats.BytesInUse, Is.GreaterThan(inUse));
        }
        Assert.That(Cpu.MemoryStats.BytesInUse, Is.EqualTo(inUse));
    }

    [Test]
    public void MisuseIsAClearError()
    {
        using var t = Tensor.Ones(Shape.Of(1), Cpu);
        var outer = new TensorScope();
        var inner = new TensorScope();
        Assert.That(Assert.Throws<InvalidOperationException>(() => inner.Keep(t))!.Message, Does.Contain("does not belong"));
        Assert.That(Assert.Throws<InvalidOperationException>(() => outer.Dispose())!.Message, Does.Contain("innermost first"));
        inner.Dispose();
        outer.Dispose();
        Assert.That(TensorScope.Current, Is.Null);
    }
}
