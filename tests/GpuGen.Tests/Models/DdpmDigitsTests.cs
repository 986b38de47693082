using System.Text.Json;
using GpuGen;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Tests.Cli;

namespace GpuGen.Tests.Models;

/// <summary>
/// DDPM on digits: the variational bound in bits per dimension replayed in double from the same draws
/// (the KL terms and the discretised decoder), and the commands on a small subset of real MNIST files.
/// </summary>
public class DdpmDigitsTests
{
    private static double Phi(double z) => 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(z / Math.Sqrt(2)));

    [Test]
    public void TheBoundIsReplayedInDouble()
    {
        using var scope = new TensorScope();
        using var net = new UNet(new Generator(3), TestSupport.Cpu, channels: 8);
        using var schedule = NoiseSchedule.Linear(4, 1e-3, 0.2);
        var ddpm = new Ddpm(net, schedule, eightBitData: true);
        const int batch = 6, dims = 64;
        var rng = new Random(9);
        var pixels = Enumerable.Range(0, batch * dims).Select(_ => 2f * rng.Next(256) / 255f - 1f).ToArray();
        pixels[0] = -1f;
        pixels[1] = 1f; // both end bins
        var x0 = Tensor.FromArray(pixels, Shape.Of(batch, 1, 8, 8), TestSupport.Cpu);
        double bits = ddpm.BitsPerDimension(x0, 3, new Generator(4));

        var replay = new Generator(4);
        double sampled = 0;
        int zeros = 0;
        for (int draw = 0; draw < 3; draw++)
        {
            var t = Ops.RandomIntegers(Shape.Of(batch), 4, replay, TestSupport.Cpu);
            var (xt, _) = Ops.ForwardNoise(x0, t, schedule, replay);
            var eps = net.Forward(xt, t).ToArray();
            var (ts, xs) = (t.ToArray(), xt.ToArray());
            for (int b = 0; b < batch; b++)
            {
                int step = (int)ts[b];
                double a = schedule.Alpha[step], ab = schedule.AlphaBar[step], term = 0;
                var (w0, wt) = schedule.PosteriorMeanWeights(step);
                double variance = step == 0 ? schedule.Beta[0] : schedule.PosteriorVariance(step), sigma = Math.Sqrt(variance);
                for (int d = 0; d < dims; d++)
                {
                    int i = b * dims + d;
                    double mean = (xs[i] - schedule.Beta[step] / Math.Sqrt(1 - ab) * eps[i]) / Math.Sqrt(a);
                    if (step == 0)
                    {
                        double upper = pixels[i] > 0.999 ? 1 : Phi((pixels[i] + 1.0 / 255 - mean) / sigma);
                        double lower = pixels[i] < -0.999 ? 0 : Phi((pixels[i] - 1.0 / 255 - mean) / sigma);
                        term -= Math.Log(Math.Max(upper - lower, 1e-12));
                    }
                    else term += Math.Pow(w0 * pixels[i] + wt * xs[i] - mean, 2) / (2 * variance);
                }
                if (step == 0) zeros++;
                sampled += term / batch;
            }
        }
        double alphaBarT = schedule.AlphaBar[^1];
        double prior = pixels.Sum(v => 0.5 * ((1 - alphaBarT) + alphaBarT * v * v - 1 - Math.Log(1 - alphaBarT))) / batch;
        double expected = (prior + 4 * sampled / 3) / (dims * Math.Log(2));
        Assert.That(zeros, Is.GreaterThan(0), "the decoder's step was drawn");
        Assert.That(bits, Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)));
    }

    [Test]
    public void TrainSampleAndEvalDigitsFromTheCommandLine()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 200, 50);
        var (code, stdout, error) = CliRunner.Run("train", "ddpm", "--data", data.Path, "--epochs", "1", "--channels", "8", "--timesteps", "50", "--seed", "2", "--device", "cpu", "--out", folder.Path, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        var metrics = JsonDocument.Parse(stdout).RootElement;
        foreach (var key in new[] { "test_loss", "test_frechet_distance", "test_label_entropy", "test_mean_max_softmax", "test_bits_per_dim" })
            Assert.That(metrics.TryGetProperty(key, out _), key);
        foreach (var file in new[] { "model.safetensors", "metrics.json", "loss.png", "samples.png", "chain.png" })
            Assert.That(File.Exists(folder.File(file)), file);
        string checkpoint = folder.File("model.safetensors");
        var meta = GpuGen.IO.SafeTensors.Load(checkpoint).Metadata;
        Assert.That((meta["optimizer.adam"], meta["optimizer.ema"], meta["average_decay"]), Is.EqualTo(("Adam", "ParameterAverage", "0.999")),
            "the weights' average is kept beside Adam (and the final metrics, from the average, are what eval recomputes below)");
        (code, _, error) = CliRunner.Run("sample", "ddpm", "--checkpoint", checkpoint, "--n", "3", "--ddim", "--sample-steps", "5", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("d.npy")).Length, Is.EqualTo(128 + 3 * 784 * 4));
        (code, stdout, error) = CliRunner.Run("eval", "ddpm", "--checkpoint", checkpoint, "--data", data.Path, "--seed", "2", "--json", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("test_frechet_distance").GetDouble(),
            Is.EqualTo(metrics.GetProperty("test_frechet_distance").GetDouble()), "the same judge and stream, the same numbers");
        CliRunner.ExpectUsageError(["train", "ddpm", "--data", data.Path, "--width", "64", "--device", "cpu"], folder.File("bad"), "--width and --depth size the MLP; the U-Net takes --channels");
        CliRunner.ExpectUsageError(["train", "ddpm", "--data", data.Path, "--channels", "12", "--device", "cpu"], folder.File("bad"), "--channels must be a multiple of 8");
        CliRunner.ExpectUsageError(["train", "ddpm", "--data", data.Path, "--net", "mlp", "--channels", "16", "--device", "cpu"], folder.File("bad"), "--channels sizes the U-Net");
        CliRunner.ExpectUsageError(["train", "ddpm", "--net", "unet", "--device", "cpu"], folder.File("bad"), "the U-Net (--net unet, --channels) is for digits");
        CliRunner.ExpectUsageError(["train", "ddpm", "--data", data.Path, "--net", "cnn", "--device", "cpu"], folder.File("bad"), "--net");
        CliRunner.ExpectUsageError(["train", "ddpm", "--data", data.Path, "--ema", "1", "--device", "cpu"], folder.File("bad"), "--ema must be in [0, 1)");
        CliRunner.ExpectUsageError(["train", "ddpm", "--ema", "0.99", "--device", "cpu"], folder.File("bad"), "--ema averages the digits' network");
    }

    /// <summary>--net mlp: the digits' MLP predicts the noise from x_t and t/T; its checkpoint records the
    /// network, so sample and eval rebuild it, and the run resumes with it.</summary>
    [Test]
    public void TheMlpTrainsSamplesAndResumesOnDigits()
    {
        using var folder = new TempFolder();
        using var data = new TempFolder();
        GpuGen.Data.MnistSubset.Write(data.Path, 200, 50);
        string[] run = ["train", "ddpm", "--data", data.Path, "--net", "mlp", "--width", "32", "--depth", "1", "--timesteps", "50", "--seed", "3", "--device", "cpu", "--out", folder.Path];
        var (code, stdout, error) = CliRunner.Run([.. run, "--epochs", "1", "--json"]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(JsonDocument.Parse(stdout).RootElement.GetProperty("test_loss").GetDouble(), Is.GreaterThan(0).And.LessThan(1.5));
        string checkpoint = folder.File("model.safetensors");
        var meta = GpuGen.IO.SafeTensors.Load(checkpoint).Metadata;
        Assert.That((meta["net"], meta["width"], meta["depth"], meta["time_scale"]), Is.EqualTo(("mlp", "32", "1", (1f / 50).ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        (code, _, error) = CliRunner.Run("sample", "ddpm", "--checkpoint", checkpoint, "--n", "2", "--out", folder.File("d.npy"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(new FileInfo(folder.File("d.npy")).Length, Is.EqualTo(128 + 2 * 784 * 4));
        (code, _, error) = CliRunner.Run("train", "ddpm", "--resume", folder.Path, "--epochs", "2", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var resumed = JsonDocument.Parse(File.ReadAllText(folder.File("metrics.json"))).RootElement;
        Assert.That(resumed.GetProperty("epochs").GetInt32(), Is.EqualTo(2));
    }
}
