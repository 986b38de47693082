using System.Text.Json;
using GpuGen;
using GpuGen.Launch;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Launch;

/// <summary>
/// The profiler: kernels are attributed to their ops, forward and backward; the FLOPs and bytes that GEMM,
/// convolution and an elementwise op declare match hand counts; the Chrome trace nests (steps ⊃ ops on the
/// host track, each kernel inside its op's span); <c>gpugen profile</c> profiles a training command's steps
/// after its warm-up and refuses bad input with one line.
/// </summary>
[NonParallelizable] // the profiler is process-wide
public class ProfilerTests
{
    /// <summary>The kernels <paramref name="work"/> launches, without the test run's poisoning fills of new
    /// tensors (which would be counted with the op that follows them).</summary>
    private static IReadOnlyList<KernelRecord> Profile(Action work)
    {
        bool poison = Tensor.PoisonNewTensors;
        Tensor.PoisonNewTensors = false;
        try
        {
            using var session = new ProfileSession();
            using (new TensorScope()) work();
            session.Dispose();
            return session.Records;
        }
        finally
        {
            Tensor.PoisonNewTensors = poison;
        }
    }

    [Test]
    public void KernelsBelongToTheirOpsForwardAndBackward()
    {
        var records = Profile(() =>
        {
            var x = Tensor.FromArray(TestSupport.RandomArray(6 * 5, 1), Shape.Of(6, 5), TestSupport.Cpu);
            var w = Tensor.FromArray(TestSupport.RandomArray(5 * 4, 2), Shape.Of(5, 4), TestSupport.Cpu);
            w.RequiresGrad = true;
            var loss = Ops.Mean(Ops.Tanh(Ops.MatMul(x, w)));
            loss.Backward();
            w.ClearGrad();
        });
        var ops = records.Select(r => (r.Op, r.Backward)).Distinct().ToList();
        Assert.That(ops, Does.Contain(("matmul", false)).And.Contain(("tanh", false)).And.Contain(("matmul", true)).And.Contain(("tanh", true)));
        var matmulForward = records.Where(r => r.Op == "matmul" && !r.Backward).ToList();
        Assert.That(matmulForward.Sum(r => r.Flops), Is.EqualTo(2.0 * 6 * 5 * 4), "one GEMM of 2·M·N·K");
        Assert.That(records.Where(r => r.Op == "matmul" && r.Backward).Sum(r => r.Flops), Is.EqualTo(2.0 * 6 * 5 * 4),
            "its backward: only ∂w (x needs none), another 2·M·N·K");
        Assert.That(records.All(r => r.Elapsed >= TimeSpan.Zero && r.Start >= TimeSpan.Zero));
    }

    /// <summary>On a device that runs device kernels the test run has the context's profiling on, so kernels on
    /// ILGPU's CPU accelerator are timed by two device events each (as on CUDA), read when the records are; on
    /// OpenCL by synchronized wall time (its ILGPU markers wait for the device anyway, and rusticl stamps them
    /// all alike). Either way every kernel gets a positive time, in launch order, and a 96 × 96 × 96 GEMM takes
    /// longer than filling 16 floats.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.SimulatedGpus))]
    public void DeviceKernelsAreTimedByDeviceEvents(string deviceName)
    {
        Assert.That(TestSupport.DeviceEvents, "the test run asked for device events before opening a device");
        var device = GpuGen.Devices.Get(deviceName);
        long eventTimedBefore = Profiler.EventTimedKernels;
        var records = Profile(() =>
        {
            var a = Tensor.FromArray(TestSupport.RandomArray(96 * 96, 1), Shape.Of(96, 96), device);
            var product = Ops.MatMul(a, a);
            var small = Tensor.Full(Shape.Of(16), 2f, device);
            Assert.That(product.ToArray()[0], Is.Not.NaN);
            Assert.That(small.ToArray(), Is.All.EqualTo(2f));
        });
        Assert.That(records.Select(r => r.Device).Distinct(), Is.EqualTo(new[] { device.Name }));
        Assert.That(records.All(r => r.Elapsed > TimeSpan.Zero), string.Join(", ", records.Select(r => $"{r.Kernel} {r.Elapsed}")));
        Assert.That(records.Select(r => r.Start), Is.Ordered, "the device's timeline keeps launch order");
        var gemm = records.Single(r => r.Kernel.StartsWith("GemmDevice", StringComparison.Ordinal));
        var fill = records.Last(r => r.Kernel.StartsWith("Blas1Device.Fill", StringComparison.Ordinal));
        Assert.That(gemm.Elapsed, Is.GreaterThan(fill.Elapsed), "a GEMM of 1.8 MFLOP outlasts a fill of 16 floats");
        long eventTimed = Profiler.EventTimedKernels - eventTimedBefore;
        Assert.That(eventTimed, device.Kind == DeviceKind.OpenCL ? Is.Zero : Is.EqualTo(records.Count), "which path timed the kernels");
    }

    [Test]
    public void DeclaredCostsMatchHandCounts()
    {
        const int n = 1000;
        var add = Profile(() =>
        {
            var a = Tensor.FromArray(TestSupport.RandomArray(n, 3), TestSupport.Cpu);
            var b = Tensor.FromArray(TestSupport.RandomArray(n, 4), TestSupport.Cpu);
            Ops.Add(a, b);
        }).Where(r => r.Op == "add").ToList();
        Assert.That((add.Sum(r => r.Flops), add.Sum(r => r.Bytes)), Is.EqualTo((1.0 * n, 3.0 * n * sizeof(float))), "an add: one FLOP, two reads and a write per element");

        // a convolution: 2·N·C_out·H_out·W_out·C_in·k·k multiply-adds counted as FLOPs
        const int batch = 2, cin = 3, cout = 4, size = 9, k = 3;
        var conv = Profile(() =>
        {
            var x = Tensor.FromArray(TestSupport.RandomArray(batch * cin * size * size, 5), Shape.Of(batch, cin, size, size), TestSupport.Cpu);
            var w = Tensor.FromArray(TestSupport.RandomArray(cout * cin * k * k, 6), Shape.Of(cout, cin, k, k), TestSupport.Cpu);
            Ops.Conv2d(x, w, padding: 1);
        }).Where(r => r.Op == "conv2d").ToList();
        Assert.That(conv.Sum(r => r.Flops), Is.EqualTo(2.0 * batch * cout * size * size * cin * k * k));
    }

    [Test]
    public void TheTraceNests()
    {
        using var folder = new TempFolder();
        var (code, _, error) = CliRunner.Run("profile", "--warmup", "1", "--steps", "2", "--trace", folder.File("t.json"), "--json", "--",
            "train", "ddpm", "--steps", "20", "--width", "16", "--depth", "1", "--batch", "32", "--device", "cpu", "--out", folder.File("run"));
        Assert.That(code, Is.EqualTo(0), error);
        var events = JsonDocument.Parse(File.ReadAllText(folder.File("t.json"))).RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X")
            .Select(e => (Name: e.GetProperty("name").GetString()!, Cat: e.GetProperty("cat").GetString()!, Track: e.GetProperty("tid").GetInt32(),
                Start: e.GetProperty("ts").GetDouble(), End: e.GetProperty("ts").GetDouble() + e.GetProperty("dur").GetDouble(),
                Op: e.GetProperty("args").TryGetProperty("op", out var op) ? op.GetString() : null)).ToList();
        var steps = events.Where(e => e.Cat == "step").ToList();
        var ops = events.Where(e => e.Track == ChromeTrace.HostTrack && e.Cat != "step").ToList();
        var kernels = events.Where(e => e.Cat == "kernel").ToList();
        Assert.That(steps.Select(s => s.Name), Is.EqualTo(new[] { "step 1", "step 2" }));
        Assert.That(ops, Is.Not.Empty);
        Assert.That(kernels.Select(k => k.Track).Distinct(), Is.EqualTo(new[] { ChromeTrace.DeviceTrack }));
        const double slack = 0.002; // µs of rounding
        foreach (var o in ops)
            Assert.That(steps.Count(s => s.Start - slack <= o.Start && o.End <= s.End + slack), Is.EqualTo(1), $"op {o.Name} in one step");
        foreach (var kernel in kernels)
        {
            Assert.That(steps.Any(s => s.Start - slack <= kernel.Start && kernel.End <= s.End + slack), $"kernel {kernel.Name} in a step");
            if (kernel.Op is null) continue;
            Assert.That(ops.Any(o => o.Name.StartsWith(kernel.Op, StringComparison.Ordinal) && o.Start - slack <= kernel.Start && kernel.End <= o.End + slack),
                $"kernel {kernel.Name} inside a slice of its op {kernel.Op}");
        }
        for (int i = 1; i < ops.Count; i++)
            Assert.That(ops[i].Start, Is.GreaterThanOrEqualTo(ops[i - 1].End - slack), "op slices on the host track do not overlap");
    }

    [Test]
    public void TheProfileCommandReportsTheProfiledSteps()
    {
        using var folder = new TempFolder();
        string[] train = ["train", "ddpm", "--steps", "20", "--width", "16", "--depth", "1", "--batch", "32", "--device", "cpu", "--out", folder.File("run")];
        var (code, stdout, error) = CliRunner.Run(["profile", "--warmup", "2", "--steps", "3", "--roofline", folder.File("r.png"), "--json", "--", .. train]);
        Assert.That(code, Is.EqualTo(0), error);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.That(report.GetProperty("steps").GetInt32(), Is.EqualTo(3));
        var kernels = report.GetProperty("kernels").EnumerateArray().ToList();
        Assert.That(kernels, Is.Not.Empty);
        var totals = kernels.Select(k => k.GetProperty("total_ms").GetDouble()).ToList();
        Assert.That(totals, Is.Ordered.Descending, "sorted by total time");
        Assert.That(report.GetProperty("kernel_ms").GetDouble(), Is.LessThanOrEqualTo(report.GetProperty("wall_ms").GetDouble() * 1.001));
        Assert.That(kernels.Sum(k => k.GetProperty("share").GetDouble()), Is.LessThanOrEqualTo(1.001));
        var ops = report.GetProperty("ops").EnumerateArray().Select(o => (o.GetProperty("op").GetString(), o.GetProperty("pass").GetString())).ToList();
        Assert.That(ops, Does.Contain(("Adam.step", "forward")).And.Contain(("linear", "backward")));
        Assert.That(new FileInfo(folder.File("r.png")).Length, Is.GreaterThan(1000));
        Assert.That(error, Does.Contain("stopped after the profiled steps"));

        (code, stdout, _) = CliRunner.Run(["profile", "--warmup", "0", "--steps", "2", "--", .. train]);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("KERNEL").And.Contain("% FMA PEAK").And.Contain("host-side gaps"));
    }

    [Test]
    public void BadInputIsOneLine()
    {
        using var folder = new TempFolder();
        foreach (var (args, exit, message) in new (string[], int, string)[]
        {
            (["profile"], 2, "give the command to profile after --"),
            (["profile", "--", "frobnicate"], 2, "frobnicate"),
            (["profile", "--steps", "0", "--", "devices"], 2, "--steps must be at least 1"),
            (["profile", "--trace", "/nonexistent/folder/t.json", "--", "devices"], 1, "does not exist"),
            (["profile", "--trace", folder.File("t.txt"), "--", "devices"], 2, "should end in .json"),
            (["profile", "--device", "cuda:7", "--", "devices"], 1, "cuda:7"),
        })
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(exit), string.Join(' ', args) + ": " + error);
            Assert.That(error.Trim(), Does.Contain(message).And.Not.Contain("\n"), string.Join(' ', args));
        }
    }
}
