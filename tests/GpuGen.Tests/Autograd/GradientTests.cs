using GpuGen;
using static GpuGen.Tests.Autograd.GradCheck;

namespace GpuGen.Tests.Autograd;

/// <summary>
/// The gradient-check table: every differentiable op, first order by central differences
/// (<see cref="GradCheck.FirstOrder"/>), and second order (<see cref="GradCheck.PenaltyGradient"/>:
/// the gradient in θ of (‖∇ₓf(x; θ)‖ − 1)²) for every op a critic or a gradient penalty uses.
/// The test names are the table: FirstOrder(op) and SecondOrder(op).
/// </summary>
public class GradientTests
{
    public sealed record Case(string Op, Func<Tensor[], Tensor> F, Func<Input[]> Inputs)
    {
        public override string ToString() => Op;
    }

    private static readonly int[] V = [7];
    private static readonly int[] M = [3, 4];

    /// <summary>Values in ±[0.3, 2): away from 0, where relu, abs and sign have kinks.</summary>
    private static Input[] AwayFromZero(int seed, params int[][] shapes) =>
        Random(seed, 0.3f, 2f, shapes).Select((inp, k) => inp with { Values = inp.Values.Select((v, i) => (i + k) % 3 == 0 ? -v : v).ToArray() }).ToArray();

    /// <summary>x [3, 5] and W [4, 5] in ±0.15, b [4] in ±[0.3, 2) of both signs: |x·Wᵀ| ≤ 0.12, so
    /// every pre-activation of a linearRelu keeps its side of the kink under a finite difference.</summary>
    private static Input[] SmallProductsBiasAwayFromZero() =>
        [.. Random(104, -0.15f, 0.15f, [3, 5], [4, 5]), AwayFromZero(106, [4])[0]];

    public static readonly Case[] FirstOrderCases =
    [
        new("neg", x => Ops.Neg(x[0]), () => Random(1, -2, 2, V)),
        new("exp", x => Ops.Exp(x[0]), () => Random(2, -2, 2, V)),
        new("log", x => Ops.Log(x[0]), () => Random(3, 0.5f, 3, V)),
        new("log1p", x => Ops.Log1p(x[0]), () => Random(4, -0.5f, 3, V)),
        new("expm1", x => Ops.Expm1(x[0]), () => Random(5, -2, 2, V)),
        new("sqrt", x => Ops.Sqrt(x[0]), () => Random(6, 0.5f, 3, V)),
        new("rsqrt", x => Ops.Rsqrt(x[0]), () => Random(7, 0.5f, 3, V)),
        new("abs", x => Ops.Abs(x[0]), () => AwayFromZero(8, V)),
        new("sigmoid", x => Ops.Sigmoid(x[0]), () => Random(9, -3, 3, V)),
        new("logSigmoid", x => Ops.LogSigmoid(x[0]), () => Random(10, -3, 3, V)),
        new("tanh", x => Ops.Tanh(x[0]), () => Random(11, -2, 2, V)),
        new("relu", x => Ops.Relu(x[0]), () => AwayFromZero(12, V)),
        new("leakyRelu", x => Ops.LeakyRelu(x[0], 0.2f), () => AwayFromZero(13, V)),
        new("elu", x => Ops.Elu(x[0], 1.5f), () => AwayFromZero(14, V)),
        new("softplus", x => Ops.Softplus(x[0]), () => Random(15, -3, 3, V)),
        new("silu", x => Ops.Silu(x[0]), () => Random(16, -3, 3, V)),
        new("gelu", x => Ops.Gelu(x[0]), () => Random(17, -3, 3, V)),
        new("sin", x => Ops.Sin(x[0]), () => Random(18, -3, 3, V)),
        new("cos", x => Ops.Cos(x[0]), () => Random(19, -3, 3, V)),
        new("square", x => Ops.Square(x[0]), () => Random(20, -2, 2, V)),
        new("clamp", x => Ops.Clamp(x[0], -1f, 1f), () => Random(21, -0.9f, 0.9f, V).Concat(Random(22, 1.2f, 2, V)).Take(1).ToArray()),
        new("pow scalar", x => Ops.Pow(x[0], 2.5f), () => Random(23, 0.5f, 2, V)),
        new("add", x => Ops.Add(x[0], x[1]), () => Random(24, -2, 2, M, M)),
        new("add broadcast", x => Ops.Add(x[0], x[1]), () => Random(25, -2, 2, M, [4])),
        new("sub broadcast", x => Ops.Sub(x[0], x[1]), () => Random(26, -2, 2, [3, 1], [1, 4])),
        new("mul broadcast", x => Ops.Mul(x[0], x[1]), () => Random(27, -2, 2, M, [3, 1])),
        new("div broadcast", x => Ops.Div(x[0], x[1]), () => Random(28, 0.5f, 2, M, [4])),
        new("maximum", x => Ops.Maximum(x[0], x[1]), () => [Random(29, -2, 2, M)[0], new Input(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? -3f : 3f).ToArray(), M)]),
        new("minimum", x => Ops.Minimum(x[0], x[1]), () => [Random(30, -2, 2, M)[0], new Input(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? -3f : 3f).ToArray(), M)]),
        new("pow", x => Ops.Pow(x[0], x[1]), () => [Random(31, 0.5f, 2, M)[0], Random(32, -1.5f, 1.5f, M)[0]]),
        new("scalar ops", x => Ops.Div(Ops.Sub(3f, Ops.Mul(Ops.Add(x[0], 1f), 2f)), Ops.Add(Ops.Pow(2f, x[0]), 1f)), () => Random(33, -1, 1, V)),
        new("bceWithLogits", x => Ops.BceWithLogits(x[0], x[1]), () => [Random(34, -3, 3, M)[0], Random(35, 0, 1, M)[0]]),
        new("where", x => Ops.Where(Ops.Greater(x[0], 0f), Ops.Square(x[0]), x[1]), () => [AwayFromZero(36, M)[0], Random(37, -2, 2, [4])[0]]),
        new("expand", x => Ops.Expand(x[0], Shape.Of(2, 3, 4)), () => Random(38, -2, 2, [3, 1])),
        new("sum all", x => Ops.Sum(x[0]), () => Random(39, -2, 2, M)),
        new("sum axis", x => Ops.Sum(x[0], 0), () => Random(40, -2, 2, M)),
        new("mean axis keepDim", x => Ops.Mean(x[0], 1, keepDim: true), () => Random(41, -2, 2, M)),
        new("max axis", x => Ops.Max(x[0], 1), () => Random(42, -2, 2, M)),
        new("min all", x => Ops.Min(x[0]), () => Random(43, -2, 2, M)),
        new("norm axis", x => Ops.Norm(x[0], 0), () => Random(44, -2, 2, M)),
        new("variance axis", x => Ops.Variance(x[0], 1, correction: 1), () => Random(45, -2, 2, M)),
        new("logSumExp", x => Ops.LogSumExp(x[0], 0), () => Random(46, -2, 2, M)),
        new("softmax", x => Ops.Softmax(x[0], 1), () => Random(47, -2, 2, M)),
        new("logSoftmax", x => Ops.LogSoftmax(x[0], 0), () => Random(48, -2, 2, M)),
        new("matmul", x => Ops.MatMul(x[0], x[1]), () => Random(49, -1, 1, [3, 5], [5, 2])),
        new("matmul transposed", x => Ops.MatMul(x[0], x[1], transA: true, transB: true), () => Random(50, -1, 1, [5, 3], [2, 5])),
        new("matmul transA", x => Ops.MatMul(x[0], x[1], transA: true), () => Random(51, -1, 1, [5, 3], [5, 2])),
        new("matmul transB", x => Ops.MatMul(x[0], x[1], transB: true), () => Random(52, -1, 1, [3, 5], [2, 5])),
        new("matmul batched, shared b", x => Ops.MatMul(x[0], x[1]), () => Random(53, -1, 1, [2, 3, 4], [4, 2])),
        new("linear", x => Ops.Linear(x[0], x[1], x[2]), () => Random(54, -1, 1, [3, 5], [2, 5], [2])),
        new("linearRelu", x => Ops.LinearRelu(x[0], x[1], x[2]), SmallProductsBiasAwayFromZero),
        new("linear without bias", x => Ops.Linear(x[0], x[1]), () => Random(58, -1, 1, [3, 5], [2, 5])),
        new("maximum/minimum with a scalar", x => Ops.Mul(Ops.Maximum(x[0], 0.1f), Ops.Minimum(x[0], -0.1f)), () => AwayFromZero(59, V)),
        new("reshape, slice, index", x => Ops.Mul(x[0].Reshape(4, 3)[1..3], x[0].Reshape(4, 3)[3]), () => Random(55, -2, 2, M)),
        new("clone", x => Ops.Mul(Ops.Clone(x[0]), x[0]), () => Random(56, -2, 2, V)),
        new("normalCdf", x => Ops.NormalCdf(x[0]), () => Random(57, -2, 2, V)),
        new("permute", x => Ops.Mul(Ops.Permute(x[0], 2, 0, 1), x[1]), () => Random(90, -2, 2, [2, 3, 4], [4, 2, 3])),
        new("transpose", x => Ops.Transpose(x[0], 0, 1), () => Random(91, -2, 2, [3, 4])),
        new("narrow", x => Ops.Mul(Ops.Narrow(x[0], 1, 1, 2), x[1]), () => Random(92, -2, 2, [3, 4], [3, 2])),
        new("padAxis", x => Ops.Mul(Ops.PadAxis(x[0], 0, 1, 4), x[1]), () => Random(93, -2, 2, [2, 3], [4, 3])),
        new("concat", x => Ops.Mul(Ops.Concat([x[0], x[1], x[0]], 1), x[2]), () => Random(94, -2, 2, [2, 3], [2, 1], [2, 7])),
        new("stack", x => Ops.Mul(Ops.Stack([x[0], x[1]], 1), x[2]), () => Random(95, -2, 2, [3, 2], [3, 2], [3, 2, 2])),
        new("indexSelect", x => Ops.Mul(Ops.IndexSelect(x[0], Tensor.FromArray([2f, 0f, 2f, 1f], x[0].Device)), x[1]), () => Random(99, -2, 2, [3, 2], [4, 2])),
        new("indexAdd", x => Ops.Mul(Ops.IndexAdd(x[0], Tensor.FromArray([2f, 0f, 2f, 1f], x[0].Device), 3), x[1]), () => Random(100, -2, 2, [4, 2], [3, 2])),
        new("gather, nll", x => GpuGen.Nn.Losses.NegativeLogLikelihood(Ops.LogSoftmax(x[0], 1), Tensor.FromArray([1f, 3f, 0f], x[0].Device)), () => Random(101, -2, 2, M)),
        new("scatter", x => Ops.Mul(Ops.Scatter(x[0], Tensor.FromArray([1f, 3f, 1f], x[0].Device), 4), x[1]), () => Random(102, -2, 2, [3], M)),
        new("meanSquaredError", x => GpuGen.Nn.Losses.MeanSquaredError(x[0], x[1]), () => Random(96, -2, 2, M, M)),
    ];

    [TestCaseSource(nameof(FirstOrderCases))]
    public void FirstOrder(Case c) => GradCheck.FirstOrder(c.Op, c.F, TestSupport.Cpu, c.Inputs());

    /// <summary>
    /// Every first-order case on ilgpu-cpu (the backward rules' device kernels), and a
    /// representative set on the GPU-shaped ilgpu-cpu-warp32 — an elementwise op, a broadcast
    /// product, and the row reductions (softmax, log-sum-exp, variance) whose 256-thread trees only
    /// run there. Not all of them there: each of that device's reductions pays eight 256-thread
    /// barriers (about 3 ms each on this CPU), and a gradient check makes hundreds of them (3–6 s a
    /// case); its kernels' parity at every shape is ReduceTests' and GemmTests' job.
    /// </summary>
    private static readonly string[] OnTheGpuShapedSimulator = ["tanh", "mul broadcast", "softmax", "logSumExp", "variance axis"];

    public static IEnumerable<TestCaseData> FirstOrderOnSimulatedGpus() =>
        from device in TestSupport.SimulatedGpus
        from c in FirstOrderCases
        where device == "ilgpu-cpu" || OnTheGpuShapedSimulator.Contains(c.Op)
        select new TestCaseData(c, device).SetArgDisplayNames(c.Op, device);

    [TestCaseSource(nameof(FirstOrderOnSimulatedGpus))]
    public void FirstOrderOnDevice(Case c, string device) => GradCheck.FirstOrder(c.Op, c.F, GpuGen.Devices.Get(device), c.Inputs());

    /// <summary>Second order for the ops of a critic and of a gradient penalty: f(x; θ) puts θ
    /// where the op's second derivative (or its dependence on θ through ∇ₓ) matters.</summary>
    public static readonly Case[] SecondOrderCases =
    [
        new("matmul", t => Ops.MatMul(t[0], t[1]), () => Random(60, -1, 1, [2, 3], [3, 2])),
        new("linear", t => Ops.Linear(t[0], t[1], t[2]), () => Random(61, -1, 1, [2, 3], [2, 3], [2])),
        new("linearRelu", t => Ops.Linear(Ops.LinearRelu(t[0], t[1], t[2]), t[3]),
            () => [.. SmallProductsBiasAwayFromZero(), Random(105, -1, 1, [2, 4])[0]]),
        new("add", t => Ops.Add(Ops.Mul(t[0], t[1]), Ops.Square(t[0])), () => Random(62, -1, 1, M, [4])),
        new("sub", t => Ops.Sub(Ops.Square(t[0]), Ops.Mul(t[0], t[1])), () => Random(63, -1, 1, M, [3, 1])),
        new("mul", t => Ops.Mul(Ops.Mul(t[0], t[1]), t[0]), () => Random(64, -1, 1, M, M)),
        new("div", t => Ops.Div(t[0], Ops.Add(Ops.Square(t[1]), 1f)), () => Random(65, -1, 1, M, [4])),
        new("relu", t => Ops.Relu(Ops.Mul(t[0], t[1])), () => [AwayFromZero(66, V)[0], Random(67, 0.5f, 2, V)[0]]),
        new("leakyRelu", t => Ops.LeakyRelu(Ops.Mul(t[0], t[1]), 0.2f), () => [AwayFromZero(68, V)[0], Random(69, 0.5f, 2, V)[0]]),
        new("tanh", t => Ops.Tanh(Ops.Mul(t[0], t[1])), () => Random(70, -1, 1, V, V)),
        new("sigmoid", t => Ops.Sigmoid(Ops.Mul(t[0], t[1])), () => Random(71, -1, 1, V, V)),
        new("softplus", t => Ops.Softplus(Ops.Mul(t[0], t[1])), () => Random(72, -1, 1, V, V)),
        new("silu", t => Ops.Silu(Ops.Mul(t[0], t[1])), () => Random(73, -1, 1, V, V)),
        new("sum", t => Ops.Sum(Ops.Square(Ops.Mul(t[0], t[1])), 1), () => Random(74, -1, 1, M, [4])),
        new("mean", t => Ops.Mean(Ops.Square(Ops.Mul(t[0], t[1]))), () => Random(75, -1, 1, M, [4])),
        new("sqrt", t => Ops.Sqrt(Ops.Add(Ops.Square(Ops.Mul(t[0], t[1])), 1f)), () => Random(76, -1, 1, V, V)),
        new("square", t => Ops.Square(Ops.Mul(t[0], t[1])), () => Random(77, -1, 1, V, V)),
        new("pow", t => Ops.Pow(Ops.Add(Ops.Square(Ops.Mul(t[0], t[1])), 1f), 1.5f), () => Random(78, -1, 1, V, V)),
        new("exp", t => Ops.Exp(Ops.Mul(t[0], t[1])), () => Random(80, -1, 1, V, V)),
        new("log", t => Ops.Log(Ops.Mul(t[0], t[1])), () => Random(81, 0.5f, 2, V, V)),
        new("softmax", t => Ops.Softmax(Ops.Mul(t[0], t[1]), 1), () => Random(82, -1, 1, M, [4])),
        new("logSumExp", t => Ops.LogSumExp(Ops.Mul(t[0], t[1]), 1), () => Random(83, -1, 1, M, [4])),
        new("norm", t => Ops.Norm(Ops.Mul(t[0], t[1]), 1), () => Random(84, -1, 1, M, [4])),
        new("gelu", t => Ops.Gelu(Ops.Mul(t[0], t[1])), () => Random(85, -1, 1, V, V)),
        new("concat and permute", t => Ops.Tanh(Ops.Permute(Ops.Concat([Ops.Mul(t[0], t[1]), Ops.Square(t[0])], 1), 1, 0)), () => Random(97, -1, 1, M, M)),
        new("narrow", t => Ops.Square(Ops.Narrow(Ops.Mul(t[0], t[1]), 1, 1, 2)), () => Random(98, -1, 1, M, M)),
        new("embedding by index", t => Ops.Tanh(Ops.Mul(Ops.IndexSelect(t[1], Tensor.FromArray([1f, 0f, 1f], t[1].Device)), t[0])), () => Random(103, -1, 1, [3, 4], [2, 4])),
        new("critic MLP", t => Ops.Linear(Ops.LeakyRelu(Ops.Linear(t[0], t[1], t[2]), 0.2f), t[3]),
            () => Random(79, -1, 1, [2, 3], [4, 3], [4], [1, 4])),
    ];

    [TestCaseSource(nameof(SecondOrderCases))]
    public void SecondOrder(Case c)
    {
        var inputs = c.Inputs();
        GradCheck.PenaltyGradient(c.Op, c.F, TestSupport.Cpu, inputs[0], inputs[1..]);
    }

    [TestCase("tanh")]
    [TestCase("critic MLP")]
    [TestCase("linearRelu")]
    public void SecondOrderOnIlgpuCpu(string op)
    {
        var c = SecondOrderCases.Single(k => k.Op == op);
        var inputs = c.Inputs();
        GradCheck.PenaltyGradient(c.Op, c.F, TestSupport.IlgpuCpu, inputs[0], inputs[1..]);
    }
}
