using System.Text.Json;
using GpuGen;
using GpuGen.Data;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Models.Runner;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>
/// Sohl-Dickstein et al.'s diffusion on the 2-D toys: the per-step KL against the two Gaussians'
/// divergence in double for a network whose outputs are zero (the reverse step is then the forward
/// step's own mean decay and variance), learning (the bound K rising above an isotropic Gaussian's
/// log-likelihood), and the commands.
/// </summary>
public class SohlDicksteinTests
{
    [Test]
    public void TheStepDivergenceIsTheGaussiansKl()
    {
        using var scope = new TensorScope();
        using var schedule = NoiseSchedule.SohlDickstein(10, 1e-3);
        var network = SohlDicksteinToy.Network(new Generator(1), TestSupport.Cpu, 8, 1, 4);
        using (network)
        {
            using (GpuGen.Autograd.NoGrad())
                foreach (var (path, tensor) in network.NamedParameters().Where(p => p.Path.StartsWith("mlp.2.", StringComparison.Ordinal))) Ops.Fill(tensor, 0f);
            var model = new SohlDicksteinDiffusion(network, schedule);
            var x0 = Tensor.FromArray(TestSupport.RandomArray(12, 4).Select(v => v / 2).ToArray(), Shape.Of(6, 2), TestSupport.Cpu);
            float[] t = [1, 2, 4, 6, 8, 9];
            var kl = model.Divergence(x0, Tensor.FromArray(t, TestSupport.Cpu), new Generator(5, 1)).ToArray();
            var (xt, _) = Ops.ForwardNoise(x0, Tensor.FromArray(t, TestSupport.Cpu), schedule, new Generator(5, 1));
            var (x, y) = (x0.ToArray(), xt.ToArray());
            for (int b = 0; b < 6; b++)
            {
                int step = (int)t[b];
                double beta = schedule.Beta[step], posteriorVariance = schedule.PosteriorVariance(step), expected = 0;
                var (w0, wt) = schedule.PosteriorMeanWeights(step);
                for (int d = 0; d < 2; d++)
                {
                    double mp = y[2 * b + d] * Math.Sqrt(1 - beta), mq = w0 * x[2 * b + d] + wt * y[2 * b + d];
                    expected += 0.5 * (Math.Log(beta / posteriorVariance) + (posteriorVariance + (mq - mp) * (mq - mp)) / beta - 1);
                }
                Assert.That(kl[b], Is.EqualTo(expected).Within(1e-4 * (1 + expected)), $"KL at t {step}");
            }
        }
    }

    /// <summary>1,500 steps on the swiss roll: the bound K exceeds an isotropic unit Gaussian's log-likelihood of
    /// the same points (the untrained chain's K is far below it).</summary>
    [Test]
    public void TheBoundRisesAboveAGaussiansOnTheSwissRoll()
    {
        using var folder = new TempFolder();
        using var schedule = NoiseSchedule.SohlDickstein(SohlDicksteinToy.DefaultSteps, 1e-3);
        using var network = SohlDicksteinToy.Network(new Generator(2), TestSupport.Cpu, 128, 3);
        var chain = SohlDicksteinToy.Chain(network, schedule);
        double before = (double)chain.ExtraMetrics!(ToySet.DiffusionSwissRoll, ToyChainPlan.EvaluationPoints, new Generator(8))["test_k_minus_isotropic_bits"]!;
        var options = new RunOptions { Out = folder.Path, Epochs = 3, Batch = 256, LearningRate = 1e-3f, Seed = 2 };
        using var plan = ToyChainPlan.Create(chain, ToySet.DiffusionSwissRoll, 500, new Generator(7), options);
        var result = TrainingRunner.Run(plan.Plan, TestSupport.Cpu, options, NoProgress.Instance);
        Assert.That(before, Is.LessThan(0), "untrained");
        Assert.That((double)result.Metrics["test_k_minus_isotropic_bits"]!, Is.GreaterThan(0.2));
        Assert.That((double)result.Metrics["test_energy_distance"]!, Is.LessThan(0.05));
    }

    [Test]
    public void TrainSampleAndEvalFromTheCommandLine()
    {
        using var folder = new TempFolder();
        var (code, stdout, error) = CliRunner.Run("train", "diffusion", "--steps", "40", "--width", "16", "--timesteps", "12", "--seed", "3", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        string checkpoint = folder.File("model.safetensors");
        (code, _, error) = CliRunner.Run("sample", "diffusion", "--checkpoint", checkpoint, "--n", "50", "--out", folder.File("s.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("s.npy")).Length, Is.EqualTo(128 + 50 * 2 * 4));
        (code, stdout, error) = CliRunner.Run("eval", "diffusion", "--checkpoint", checkpoint, "--seed", "3", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var eval = JsonDocument.Parse(stdout).RootElement;
        foreach (var key in new[] { "test_energy_distance", "test_bound_k_bits", "test_k_minus_isotropic_bits" })
            Assert.That(eval.GetProperty(key).GetDouble(), Is.EqualTo(metrics.GetProperty(key).GetDouble()), $"{key}: the same streams, the same numbers");
        (code, _, error) = CliRunner.Run("train", "diffusion", "--timesteps", "1", "--device", "cpu", "--out", folder.File("bad"));
        Assert.That((code, error.Trim()), Is.EqualTo((2, "gpugen: error: --timesteps must be at least 2, got 1 (see 'gpugen --help')")));
    }
}
