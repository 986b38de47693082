using GpuGen.IO;
using GpuGen.Memory;
using GpuGen.Models.Runner;
using static GpuGen.Tests.Runner.RunnerFixtures;

namespace GpuGen.Tests.Runner;

/// <summary>The runner that every <c>gpugen train</c> uses: memory, resume, interruption, outputs.</summary>
public class TrainingRunnerTests
{
    private static RunOptions Options(string folder, int epochs, bool resume = false) =>
        new() { Epochs = epochs, Batch = 100, Seed = 5, Out = folder, Resume = resume };

    /// <summary>
    /// After the first epoch the allocator's bytes in use and its count of fresh device
    /// allocations stay flat, epoch after epoch, through training, evaluation and checkpointing —
    /// and the final metrics and pictures leave nothing behind either. (Before the loader owned
    /// its batches, every epoch leaked its ten batches: 3 MB here.)
    /// </summary>
    [Test]
    public void AWarmRunAllocatesNothingPerEpochAndFreesEverything()
    {
        var device = TestSupport.Cpu;
        var (train, test) = Digits();
        using var folder = new TempFolder();
        var before = device.MemoryStats;
        var (family, module) = Build("vae", 1, device);
        var stats = new List<AllocatorStats>();
        using (module)
            TrainingRunner.Run(family, train, test, device, Options(folder.Path, 4), new RecordingProgress { OnEpoch = _ => stats.Add(device.MemoryStats) });
        Assert.That(stats, Has.Count.EqualTo(4));
        for (int e = 1; e < 4; e++)
        {
            Assert.That(stats[e].BytesInUse, Is.EqualTo(stats[0].BytesInUse), $"bytes in use after epoch {e + 1}");
            Assert.That(stats[e].DeviceAllocations, Is.EqualTo(stats[0].DeviceAllocations), $"fresh device allocations in epoch {e + 1}");
        }
        Assert.That(device.MemoryStats.BytesInUse, Is.EqualTo(before.BytesInUse), "every tensor of the run is freed once the model is disposed");
    }

    /// <summary>
    /// Interrupted in the middle of epoch 2 (the cancellation stops it at the next step boundary),
    /// then resumed from the epoch-1 checkpoint: the parameters and every metric equal those of an
    /// uninterrupted run bit for bit — the data order, the dynamic binarization (gumbel-vae), the
    /// model's noise, Adam's moments and step, and the temperature schedule all continue exactly.
    /// </summary>
    [TestCase("vae")]
    [TestCase("gumbel-vae")]
    public void AnInterruptedAndResumedRunEqualsAnUninterruptedOneBitForBit(string model)
    {
        var device = TestSupport.Cpu;
        var (train, test) = Digits();
        using var straight = new TempFolder();
        using var broken = new TempFolder();

        var (family, module) = Build(model, 2, device);
        RunResult expected;
        int[][] expectedBits;
        using (module)
        {
            expected = TrainingRunner.Run(family, train, test, device, Options(straight.Path, 3));
            expectedBits = Bits(family.Module);
        }

        using var cancel = new CancellationTokenSource();
        (family, module) = Build(model, 2, device);
        var progress = new RecordingProgress { OnStep = (epoch, step) => { if (epoch == 2 && step == 4) cancel.Cancel(); } };
        using (module)
        {
            var stopped = TrainingRunner.Run(family, train, test, device, Options(broken.Path, 3), progress, cancel.Token);
            Assert.That(stopped.Interrupted, Is.True);
            Assert.That(stopped.EpochsCompleted, Is.EqualTo(1));
            Assert.That(progress.Steps.Last(), Is.EqualTo((2, 4)), "stopped at the step boundary after the cancellation");
        }
        Assert.That(SafeTensors.Load(broken.File(TrainingRunner.CheckpointFile)).Metadata["run.epoch"], Is.EqualTo("1"), "the last complete checkpoint is kept");
        Assert.That(File.Exists(broken.File("metrics.json")), Is.False, "an interrupted run writes no final outputs");

        (family, module) = Build(model, 2, device); // a fresh process would build the model anew
        using (module)
        {
            var resumed = TrainingRunner.Run(family, train, test, device, Options(broken.Path, 3, resume: true));
            Assert.That(Bits(family.Module), Is.EqualTo(expectedBits), "parameters bit for bit");
            Assert.That(Comparable(resumed.Metrics), Is.EqualTo(Comparable(expected.Metrics)), "metrics bit for bit");
        }
        Assert.That(Directory.GetFiles(broken.Path).Where(f => f.EndsWith(".tmp")), Is.Empty, "nothing half-written");
    }

    /// <summary>A checkpoint is written (atomically) at the end of every epoch, with the run's state.</summary>
    [Test]
    public void EveryEpochEndsWithACheckpoint()
    {
        var device = TestSupport.Cpu;
        var (train, test) = Digits();
        using var folder = new TempFolder();
        var epochs = new List<string>();
        var (family, module) = Build("vae", 3, device);
        using (module)
            TrainingRunner.Run(family, train, test, device, Options(folder.Path, 3),
                new RecordingProgress { OnEpoch = _ => epochs.Add(SafeTensors.Load(folder.File(TrainingRunner.CheckpointFile)).Metadata["run.epoch"]) });
        Assert.That(epochs, Is.EqualTo(new[] { "1", "2", "3" }));
    }

    /// <summary>Evaluating draws from its own stream: a run that evaluates after every epoch trains
    /// exactly as the same epochs without evaluation would (the training streams are untouched).</summary>
    [Test]
    public void EvaluationLeavesTrainingUnchanged()
    {
        var device = TestSupport.Cpu;
        var (train, test) = Digits();
        using var folder = new TempFolder();
        var (family, module) = Build("vae", 4, device);
        var offsets = new List<ulong>();
        using (module)
        {
            var vae = (GpuGen.Models.Vae.Vae)family.Module;
            TrainingRunner.Run(family, train, test, device, Options(folder.Path, 2), new RecordingProgress { OnEpoch = _ => offsets.Add(vae.Sampler.Offset) });
        }
        // The model's stream advances once per training step (one reparameterization), nothing more.
        int steps = train.Count / 100;
        Assert.That(offsets[1] - offsets[0], Is.EqualTo((ulong)steps));
    }

    [Test]
    public void ResumingRefusesAnotherModelOrOtherOptionsAndChangesNothing()
    {
        var device = TestSupport.Cpu;
        var (train, test) = Digits();
        using var folder = new TempFolder();
        var (family, module) = Build("vae", 6, device);
        using (module) TrainingRunner.Run(family, train, test, device, Options(folder.Path, 1));
        string path = folder.File(TrainingRunner.CheckpointFile);
        var bytes = File.ReadAllBytes(path);

        (family, module) = Build("gumbel-vae", 6, device);
        using (module)
        {
            var before = Bits(family.Module);
            var e = Assert.Throws<GpuGenException>(() => TrainingRunner.Run(family, train, test, device, Options(folder.Path, 2, resume: true)))!;
            Assert.That(e.Message, Does.Contain("holds a 'vae' model, not a 'gumbel-vae'"));
            Assert.That(Bits(family.Module), Is.EqualTo(before));
        }
        (family, module) = Build("vae", 6, device);
        using (module)
        {
            var before = Bits(family.Module);
            var e = Assert.Throws<GpuGenException>(() => TrainingRunner.Run(family, train, test, device, Options(folder.Path, 2, resume: true) with { Batch = 50 }))!;
            Assert.That(e.Message, Does.Contain("--batch 100, not 50"));
            Assert.That(Bits(family.Module), Is.EqualTo(before));
        }
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(bytes), "the checkpoint is untouched");
        using var empty = new TempFolder();
        (family, module) = Build("vae", 6, device);
        using (module)
            Assert.That(Assert.Throws<GpuGenException>(() => TrainingRunner.Run(family, train, test, device, Options(empty.Path, 2, resume: true)))!.Message,
                Does.Contain("there is no checkpoint"));
    }

    /// <summary>A run that fails before its first checkpoint leaves no folder behind.</summary>
    [Test]
    public void ARunThatFailsBeforeItsFirstCheckpointCreatesNoFolder()
    {
        var device = TestSupport.Cpu;
        var (train, test) = Digits();
        using var parent = new TempFolder();
        string folder = Path.Combine(parent.Path, "nested", "out");
        var (family, module) = Build("vae", 7, device);
        using (module)
        {
            var failing = family with { Loss = (x, step) => step.Step == 3 ? Ops.Log(Tensor.Full(Shape.Of(1), -1f, device)) : family.Loss(x, step) };
            var e = Assert.Throws<GpuGenException>(() => TrainingRunner.Run(failing, train, test, device, Options(folder, 2)))!;
            Assert.That(e.Message, Does.Contain("the loss became NaN at epoch 1, step 3"));
        }
        Assert.That(Directory.Exists(Path.Combine(parent.Path, "nested")), Is.False);
    }

    /// <summary>An evaluation over a split (an average, codes) runs in evaluation mode and hands the module back in the mode it came in.</summary>
    [Test]
    public void EvaluatingOverASplitRestoresTheModulesMode()
    {
        var (_, test) = Digits();
        using var module = new GpuGen.Nn.Dropout(0.5f, new Generator(1));
        foreach (bool training in new[] { true, false })
        {
            module.Train(training);
            bool? seen = null;
            GpuGen.Models.Training.Average(module, test, TestSupport.Cpu, 500, images => { seen = module.Training; return [images.Shape[0]]; });
            Assert.That((seen, module.Training), Is.EqualTo(((bool?)false, training)));
            seen = null;
            using (new TensorScope())
                GpuGen.Models.Training.Codes(module, test, TestSupport.Cpu, images => { seen = module.Training; return Ops.Narrow(images, 1, 0, 2); });
            Assert.That((seen, module.Training), Is.EqualTo(((bool?)false, training)), "codes");
        }
    }
}

/// <summary>The README's C# runner example, as written there (one epoch of a smaller VAE here).</summary>
public class ReadmeRunnerExampleTests
{
    [Test]
    public void TheReadmeExampleRuns()
    {
        using var folder = new TempFolder();
        var device = Devices.Get("cpu");
        var (train, test) = GpuGen.Data.Mnist.Load();
        using var vae = new GpuGen.Models.Vae.Vae(new Generator(0), device, 784, 64, 8);
        var family = GpuGen.Models.Vae.VaeFamily.Create(vae, device, iwSamples: 5, batch: 100);
        var result = TrainingRunner.Run(family, train, test, device, new RunOptions { Epochs = 1, Out = folder.Path });
        Assert.That((double)result.Metrics["test_neg_elbo"]!, Is.GreaterThan(80).And.LessThan(250));
        Assert.That(File.Exists(folder.File("metrics.json")), Is.True);
    }
}
