using GpuGen;
using GpuGen.Tests.Autograd;
using static GpuGen.Tests.Autograd.GradCheck;

namespace GpuGen.Tests.Conv;

/// <summary>
/// Gradient checks for the convolution family: first order for every op, second order (the
/// gradient-penalty check) for convolution, pooling and the activations a convolutional
/// critic uses. Max pooling inputs have distinct values, so no window holds a tie.
/// </summary>
public class ConvGradientTests
{
    public static readonly GradientTests.Case[] FirstOrderCases =
    [
        new("conv2d stride 2 pad 1 groups 2", x => Ops.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1, groups: 2), () => Random(80, -1, 1, [2, 4, 5, 4], [2, 2, 3, 3], [2])),
        new("conv2d dilation 2", x => Ops.Conv2d(x[0], x[1], dilation: 2, padding: 1), () => Random(81, -1, 1, [1, 2, 6, 5], [3, 2, 2, 2])),
        new("convTranspose2d stride 2", x => Ops.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1), () => Random(82, -1, 1, [1, 2, 3, 3], [2, 3, 3, 3], [3])),
        new("maxPool2d", x => Ops.MaxPool2d(x[0], 2), () => [Distinct(83, [1, 2, 4, 4])]),
        new("maxPool2d padded, overlapping", x => Ops.MaxPool2d(x[0], 3, 2, 1), () => [Distinct(84, [1, 2, 5, 5])]),
        new("avgPool2d", x => Ops.AvgPool2d(x[0], 3, 2, 1), () => Random(85, -1, 1, [1, 2, 5, 5])),
        new("upsampleNearest", x => Ops.UpsampleNearest(x[0], 2), () => Random(86, -1, 1, [1, 2, 3, 2])),
        new("upsampleBilinear", x => Ops.UpsampleBilinear(x[0], 2), () => Random(87, -1, 1, [1, 2, 3, 2])),
        new("swapAxes01", x => Ops.SwapAxes01(x[0]), () => Random(88, -1, 1, [2, 3, 2])),
    ];

    /// <summary>Distinct values 0.1 apart in a shuffled order (no ties, no near-ties within 2h).</summary>
    private static Input Distinct(int seed, int[] shape)
    {
        int n = shape.Aggregate(1, (p, d) => p * d);
        var values = Enumerable.Range(0, n).Select(i => i * 0.1f - n * 0.05f).ToArray();
        new Random(seed).Shuffle(values);
        return new Input(values, shape);
    }

    [TestCaseSource(nameof(FirstOrderCases))]
    public void FirstOrder(GradientTests.Case c) => GradCheck.FirstOrder(c.Op, c.F, TestSupport.Cpu, c.Inputs());

    [TestCase("conv2d stride 2 pad 1 groups 2")]
    [TestCase("maxPool2d padded, overlapping")]
    public void FirstOrderOnIlgpuCpu(string op)
    {
        var c = FirstOrderCases.Single(k => k.Op == op);
        GradCheck.FirstOrder(c.Op, c.F, TestSupport.IlgpuCpu, c.Inputs());
    }

    public static readonly GradientTests.Case[] SecondOrderCases =
    [
        // A small convolutional critic, conv → softplus → conv, penalised in x. (Smooth: with a
        // leaky ReLU, a step of h in a weight flips the sign of some of the 54 pre-activations,
        // ∇ₓf jumps, and central differences of P measure the jump, not the derivative; the
        // leaky ReLU's own second order is checked in GradientTests.)
        new("conv critic", t => Ops.Conv2d(Ops.Softplus(Ops.Conv2d(t[0], t[1], t[2], stride: 2, padding: 1)), t[3]),
            () => Random(90, -1, 1, [2, 2, 5, 5], [3, 2, 3, 3], [3], [1, 3, 3, 3])),
        new("conv → tanh", t => Ops.Tanh(Ops.Conv2d(t[0], t[1], padding: 1)), () => Random(91, -1, 1, [1, 2, 4, 4], [2, 2, 3, 3])),
        new("avgPool of a product", t => Ops.AvgPool2d(Ops.Mul(t[0], Ops.Square(t[1])), 2), () => Random(92, -1, 1, [1, 2, 4, 4], [1, 2, 4, 4])),
        new("maxPool of a scaled input", t => Ops.MaxPool2d(Ops.Mul(t[0], t[1]), 2), () => [Distinct(93, [1, 2, 4, 4]), Random(94, 0.5f, 1.5f, [1, 2, 1, 1])[0]]),
        new("convTranspose → softplus", t => Ops.Softplus(Ops.ConvTranspose2d(t[0], t[1], stride: 2)), () => Random(95, -1, 1, [1, 2, 2, 2], [2, 2, 2, 2])),
    ];

    [TestCaseSource(nameof(SecondOrderCases))]
    public void SecondOrder(GradientTests.Case c)
    {
        var inputs = c.Inputs();
        GradCheck.PenaltyGradient(c.Op, c.F, TestSupport.Cpu, inputs[0], inputs[1..]);
    }
}
