using GpuGen;

namespace GpuGen.Tests;

/// <summary>
/// For the whole test run, every tensor an op allocates starts as NaN (see
/// <c>Tensor.PoisonNewTensors</c>): an output element a kernel forgets to write fails the
/// comparison with the reference instead of passing on a zero left in a reused buffer.
/// </summary>
[SetUpFixture]
public class PoisonEveryOutput
{
    [OneTimeSetUp]
    public void TurnOn() => Tensor.PoisonNewTensors = true;

    [OneTimeTearDown]
    public void TurnOff() => Tensor.PoisonNewTensors = false;
}

public class PoisonEveryOutputTests
{
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void NewTensorsStartAsNaN(string device)
    {
        using var t = Tensor.Empty(Shape.Of(3, 7), GpuGen.Devices.Get(device));
        Assert.That(t.ToArray(), Is.All.NaN);
    }
}
