using GpuGen;
using GpuGen.Diffusion;
using GpuGen.Models.Diffusion;
using GpuGen.Optim;
using GpuGen.Tests.Autograd;

namespace GpuGen.Tests.Models;

/// <summary>
/// The U-Net of the diffusion family: self-attention against a double-precision reference, the whole
/// network's input gradient by finite differences at a small size, its shapes and its use of t, and a
/// few DDPM steps on digits that lower the loss.
/// </summary>
public class UNetTests
{
    /// <summary>softmax(qᵀk/√C) over positions, v weighted by it, projected and added back, recomputed in
    /// double from the module's own normalised input and 1 × 1 convolution weights.</summary>
    [Test]
    public void SelfAttentionIsSoftmaxOverPositions()
    {
        using var scope = new TensorScope();
        const int c = 8, positions = 6;
        using var attention = new SelfAttention2d(c, new Generator(3), TestSupport.Cpu);
        var x = Tensor.FromArray(TestSupport.RandomArray(c * positions, 5), Shape.Of(1, c, 2, 3), TestSupport.Cpu);
        var y = attention.Forward(x).ToArray();
        var xn = attention.Norm.Forward(x).ToArray();
        var (wq, bq) = (attention.Qkv.Weight.ToArray(), attention.Qkv.Bias!.ToArray());
        var (wp, bp) = (attention.Projection.Weight.ToArray(), attention.Projection.Bias!.ToArray());
        double Qkv(int row, int p) => bq[row] + Enumerable.Range(0, c).Sum(k => (double)wq[row * c + k] * xn[k * positions + p]);
        var attended = new double[c, positions];
        for (int i = 0; i < positions; i++)
        {
            var scores = Enumerable.Range(0, positions).Select(j => Enumerable.Range(0, c).Sum(ch => Qkv(ch, i) * Qkv(c + ch, j)) / Math.Sqrt(c)).ToArray();
            double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
            for (int ch = 0; ch < c; ch++)
                attended[ch, i] = Enumerable.Range(0, positions).Sum(j => Math.Exp(scores[j] - max) / sum * Qkv(2 * c + ch, j));
        }
        var xs = x.ToArray();
        for (int ch = 0; ch < c; ch++)
            for (int p = 0; p < positions; p++)
            {
                double expected = xs[ch * positions + p] + bp[ch] + Enumerable.Range(0, c).Sum(k => wp[ch * c + k] * attended[k, p]);
                Assert.That(y[ch * positions + p], Is.EqualTo(expected).Within(1e-4 * (1 + Math.Abs(expected))), $"channel {ch}, position {p}");
            }
    }

    /// <summary>∂L/∂x through every block (GroupNorm, SiLU, convolutions, attention, upsampling, skips) by
    /// central differences, on 8 × 8 inputs with 8 base channels.</summary>
    [Test]
    public void TheInputGradientMatchesFiniteDifferences()
    {
        using var net = new UNet(new Generator(4), TestSupport.Cpu, channels: 8);
        var t = Tensor.FromArray([3f, 40f], TestSupport.Cpu);
        GradCheck.FirstOrder("u-net", x => net.Forward(x[0], t), TestSupport.Cpu, GradCheck.Random(6, -1, 1, [2, 1, 8, 8]));
    }

    [Test]
    public void ItMapsDigitsToDigitsAndReadsTheTime()
    {
        using var scope = new TensorScope();
        using var net = new UNet(new Generator(4), TestSupport.Cpu);
        Assert.That(net.ParameterCount, Is.EqualTo(583_713), "C = 32, as the class comment says");
        var x = Tensor.FromArray(TestSupport.RandomArray(2 * 784, 7), Shape.Of(2, 1, 28, 28), TestSupport.Cpu);
        var early = net.Forward(x, Tensor.FromArray([1f, 1f], TestSupport.Cpu));
        var late = net.Forward(x, Tensor.FromArray([1f, 900f], TestSupport.Cpu)).ToArray();
        Assert.That(early.Shape, Is.EqualTo(Shape.Of(2, 1, 28, 28)));
        var e = early.ToArray();
        Assert.That(e.Take(784), Is.EqualTo(late.Take(784)), "the same t, the same output");
        Assert.That(e.Skip(784).Zip(late.Skip(784)).Count(p => p.First != p.Second), Is.GreaterThan(700), "another t, another output");
        Assert.That(net.Forward(x.Reshape(2, 784), Tensor.FromArray([1f, 1f], TestSupport.Cpu)).ToArray(), Is.EqualTo(e), "flat images read as [N, 1, 28, 28]");
    }

    /// <summary>Twenty DDPM steps on the same 16 digits (in [−1, 1], T = 100) lower the simple loss by a quarter.</summary>
    [Test]
    public void DdpmStepsOnDigitsLowerTheLoss()
    {
        using var scope = new TensorScope();
        var (_, test) = GpuGen.Data.Mnist.Load(null);
        using var net = new UNet(new Generator(5), TestSupport.Cpu, channels: 16);
        using var schedule = NoiseSchedule.Linear(100, 1e-4, 0.02);
        var ddpm = new Ddpm(net, schedule);
        using var adam = new Adam(net.NamedParameters(), 2e-3f);
        var x0 = Ops.Sub(Ops.Mul(test.Images(Enumerable.Range(0, 16).ToArray(), TestSupport.Cpu).Reshape(16, 1, 28, 28), 2f), 1f);
        double Evaluate()
        {
            using var s = new TensorScope();
            using var noGrad = GpuGen.Autograd.NoGrad();
            return ddpm.Loss(x0, new Generator(99)).Item();
        }
        double before = Evaluate();
        var noise = new Generator(6);
        for (int step = 0; step < 20; step++)
        {
            using var s = new TensorScope();
            var loss = ddpm.Loss(x0, noise);
            adam.ZeroGrad();
            loss.Backward();
            adam.Step();
        }
        Assert.That(Evaluate(), Is.LessThan(0.75 * before), $"before {before:F3}");
    }
}
