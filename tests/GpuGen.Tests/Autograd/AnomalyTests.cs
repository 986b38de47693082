using GpuGen;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// Anomaly detection (<see cref="GpuGen.Autograd.DetectAnomaly"/>): the first op that makes a
/// NaN or an infinity, forward or backward, is named with its input shapes; nothing is checked
/// when it is off; and `gpugen train --detect-anomaly` names the op of a diverging run.
/// </summary>
public class AnomalyTests
{
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void AForwardNaNNamesItsOp(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var x = TestSupport.Leaf(device, 1.5f, -1f, 2f);
        var h = Ops.Mul(x, 2f); // finite: checked and passed
        using (GpuGen.Autograd.DetectAnomaly())
        {
            var e = Assert.Throws<AnomalyException>(() => Ops.Sum(Ops.Log(Ops.Mul(h, 0.5f))))!;
            Assert.That(e.Message, Is.EqualTo("detect-anomaly: 'log' (inputs [3]) produced NaN in its output [3] (forward)"));
        }
        Assert.That(GpuGen.Autograd.IsDetectingAnomaly, Is.False, "the scope ends detection");
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void AForwardInfinityIsToldApartFromNaN(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var x = TestSupport.Leaf(device, 1f, 100f);
        using var _ = GpuGen.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => Ops.Exp(x))!;
        Assert.That(e.Message, Does.Contain("'exp'").And.Contain("infinity").And.Contain("forward"));
    }

    /// <summary>√x at 0 is finite forward (0) and infinite backward (1 / (2√x)): the error names
    /// sqrt's backward, not the sum before it nor anything after.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void ABackwardInfinityNamesTheRuleThatMadeIt(string deviceName)
    {
        var device = GpuGen.Devices.Get(deviceName);
        using var scope = new TensorScope();
        var x = TestSupport.Leaf(device, 0f, 1f, 4f);
        using var _ = GpuGen.Autograd.DetectAnomaly();
        var loss = Ops.Sum(Ops.Mul(Ops.Sqrt(x), 3f));
        Assert.That(loss.Item(), Is.EqualTo(9f), "the forward is finite");
        var e = Assert.Throws<AnomalyException>(() => loss.Backward())!;
        Assert.That(e.Message, Does.StartWith("detect-anomaly: the backward of 'sqrt' (inputs [3]) produced infinity"));
        Assert.That(x.Grad, Is.Null, "no gradient was accumulated");
    }

    [Test]
    public void ANonFiniteInputFromOutsideTheCheckedOpsIsSaidToBeSo()
    {
        using var scope = new TensorScope();
        var parameter = TestSupport.Leaf(TestSupport.Cpu, 1f, float.NaN);
        using var _ = GpuGen.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => Ops.Mul(parameter, 2f))!;
        Assert.That(e.Message, Does.StartWith("detect-anomaly: input 0 [2] of 'mul' already holds NaN, made outside the checked ops"));
    }

    [Test]
    public void OffByDefaultNonFiniteValuesFlowUnchecked()
    {
        using var scope = new TensorScope();
        Assert.That(GpuGen.Autograd.IsDetectingAnomaly, Is.False);
        var x = TestSupport.Leaf(TestSupport.Cpu, 0f, -1f);
        var loss = Ops.Sum(Ops.Sqrt(x));
        Assert.That(float.IsNaN(loss.Item()), Is.True);
        loss.Backward();
        Assert.That(x.Grad!.ToArray().All(v => !float.IsFinite(v)), Is.True);
    }

    /// <summary>The real command path: a VAE at learning rate 9 diverges; without the flag the
    /// loss guard stops it and points at --detect-anomaly, with it the error names the op (the
    /// reparameterization, whose exp(½ log σ²) overflows) and the step. Both exit 1 and write nothing.</summary>
    [Test]
    public void TrainWithDetectAnomalyNamesTheOpThatDiverged()
    {
        using var folder = new TempFolder();
        string[] run = ["train", "vae", "--lr", "9", "--epochs", "1", "--iw-samples", "0", "--device", "cpu", "--seed", "0"];
        var (code, _, error) = CliRunner.Run([.. run, "--out", folder.File("plain")]);
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("the loss became").And.Contain("--detect-anomaly"));
        (code, _, error) = CliRunner.Run([.. run, "--detect-anomaly", "--out", folder.File("checked")]);
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(error, Does.Match(@"vae: at epoch 1, step \d+, detect-anomaly: .*'reparameterize' \(inputs \[100, 20\], \[100, 20\]\) produced (infinity|NaN)"));
        Assert.That(Directory.Exists(folder.File("plain")) || Directory.Exists(folder.File("checked")), Is.False, "no output folder for a failed run");
    }
}
