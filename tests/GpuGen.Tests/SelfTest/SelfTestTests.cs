using System.Text.Json;
using GpuGen;
using GpuGen.Models.SelfTest;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.SelfTest;

/// <summary>
/// gpugen selftest: its parity harness fails a wrong forward and a wrong gradient; every family passes on
/// every device here (the GPU-shaped simulator included); and the quick command, as CI runs it, passes
/// and reports each check on the cpu device and on ILGPU's simulator (its toy chains score 64 points, so
/// that their sampling chains take seconds there instead of half an hour).
/// </summary>
public class SelfTestTests
{
    [Test]
    public void TheHarnessCatchesAWrongForwardAndAWrongGradient()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 12).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var g = Enumerable.Range(0, 12).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var tanh = x.Select(Math.Tanh).ToArray();
        var right = x.Select((v, i) => g[i] * (1 - Math.Tanh(v) * Math.Tanh(v))).ToArray();
        (double[], Shape)[] input = [(x, Shape.Of(3, 4))];
        var good = OpParity.Check("unary", "tanh", TestSupport.Cpu, input, t => Ops.Tanh(t[0]), tanh, g, [right], 1e-5).ToList();
        Assert.That(good.Select(r => r.Passed), Is.EqualTo(new[] { true, true }));
        var wrongForward = OpParity.Check("unary", "tanh", TestSupport.Cpu, input, t => Ops.Tanh(t[0]), x, g, [right], 1e-5).ToList();
        Assert.That(wrongForward.Select(r => r.Passed), Is.EqualTo(new[] { false, true }));
        var wrongGradient = OpParity.Check("unary", "tanh", TestSupport.Cpu, input, t => Ops.Tanh(t[0]), tanh, g, [g], 1e-5).ToList();
        Assert.That(wrongGradient.Select(r => r.Passed), Is.EqualTo(new[] { true, false }));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void EveryFamilyPassesOnEveryDevice(string device)
    {
        var d = GpuGen.Devices.Get(device);
        var results = OpParity.Run(d, quick: device != "cpu").ToList();
        // on a device with groups of 256, every GEMM plan forced: forward and backward (quick: x·Wᵀ only)
        var plans = GemmPlans.For(d, 130, 133, 300);
        Assert.That(plans, d.Info.MaxGroupSize >= 256 ? Has.Count.EqualTo(4) : Is.Empty);
        foreach (var plan in plans) Assert.That(results.Count(r => r.Family == "matmul" && r.Case.EndsWith($"[{plan}]", StringComparison.Ordinal)), Is.EqualTo(2), plan);
        Assert.That(results.Select(r => r.Family).Distinct(), Is.EquivalentTo(new[] { "matmul", "linear", "binary", "unary", "reduce", "conv2d" }));
        Assert.That(results.Where(r => !r.Passed).Select(r => $"{r.Family} {r.Case}: {r.MaxError} > {r.Tolerance}"), Is.Empty);
    }

    [TestCase("cpu")]
    [TestCase("ilgpu-cpu")]
    public void TheQuickSelfTestPassesAndReportsEachCheck(string device)
    {
        var (code, stdout, error) = CliRunner.Run("selftest", "--device", device, "--quick", "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.That(report.GetProperty("failed").GetInt32(), Is.Zero);
        Assert.That(report.GetProperty("parity").GetArrayLength(), Is.GreaterThan(50));
        Assert.That(report.GetProperty("training").EnumerateArray().Select(t => t.GetProperty("model").GetString()),
            Is.EqualTo(new[] { "vae", "gan (toy)", "wgan-gp (toy)", "ddpm (toy)", "bfn (toy)" }));
    }
}
