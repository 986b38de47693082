using GpuGen;
using GpuGen.Kernels.Gemm;

namespace GpuGen.Tests.Kernels;

/// <summary>
/// GEMM on both kinds of kernel against <see cref="GemmReference"/>: every transpose
/// combination, α and β, the bias epilogue, batches (with a shared operand), edge sizes
/// (1, primes, non-multiples of every tile); C poisoned with NaN when β = 0. Device kernel on
/// ilgpu-cpu at small sizes; host kernel also at real sizes and with each micro-kernel.
/// </summary>
public class GemmTests
{
    // (12, 20, 16) and (5, 8, 12) have K and N multiples of 4: the device kernel's float4 loads.
    private static readonly (int M, int N, int K)[] SmallShapes = [(1, 1, 1), (1, 7, 3), (5, 1, 9), (13, 17, 19), (8, 8, 8), (9, 33, 2), (12, 20, 16), (5, 8, 12)];
    private static readonly (bool A, bool B)[] Transposes = [(false, false), (true, false), (false, true), (true, true)];

    public static IEnumerable<TestCaseData> SmallCases()
    {
        foreach (var device in TestSupport.DeviceNames)
            foreach (var (m, n, k) in SmallShapes)
                foreach (var (ta, tb) in Transposes)
                    yield return new TestCaseData(device, m, n, k, ta, tb).SetArgDisplayNames(device, $"{m}x{n}x{k}", $"tA={ta}", $"tB={tb}");
    }

    [TestCaseSource(nameof(SmallCases))]
    public void SmallShapes_AllTransposes(string device, int m, int n, int k, bool ta, bool tb)
    {
        var d = GpuGen.Devices.Get(device);
        RunAndCheck(d, m, n, k, ta, tb, alpha: 1f, beta: 0f, withBias: false, seed: m * 100 + n * 10 + k);
        RunAndCheck(d, m, n, k, ta, tb, alpha: -1.5f, beta: 0.75f, withBias: true, seed: m + n + k);
    }

    public static IEnumerable<TestCaseData> RealCases()
    {
        foreach (var (ta, tb) in Transposes)
            yield return new TestCaseData(257, 263, 300, ta, tb).SetArgDisplayNames("257x263x300", $"tA={ta}", $"tB={tb}");
        yield return new TestCaseData(100, 400, 784, false, true).SetArgDisplayNames("MLP layer 100x400x784", "x·Wᵀ");
        yield return new TestCaseData(512, 512, 512, false, false).SetArgDisplayNames("512 square");
        yield return new TestCaseData(2000, 8, 300, false, false).SetArgDisplayNames("narrow C: split by rows");
        yield return new TestCaseData(7, 2000, 300, true, true).SetArgDisplayNames("wide C: split by columns");
        foreach (var (ta, tb) in Transposes)
            yield return new TestCaseData(64, 1, 6272, ta, tb).SetArgDisplayNames("matrix-vector 64x1x6272", $"tA={ta}", $"tB={tb}");
        // the skinny paths (a side ≤ 4): the toy MLPs' first and last layers and their gradients,
        // and sizes that split over the workers with ragged ends
        foreach (var (m, n, k) in new[] { (256, 256, 2), (256, 2, 256), (2, 256, 256), (256, 256, 1), (1, 256, 256), (3001, 37, 3), (5003, 3, 301), (3, 4001, 299), (4, 2500, 1100) })
            foreach (var (ta, tb) in Transposes)
                yield return new TestCaseData(m, n, k, ta, tb).SetArgDisplayNames($"skinny {m}x{n}x{k}", $"tA={ta}", $"tB={tb}");
    }

    /// <summary>A batch of skinny products (a side ≤ 4) with at least one matrix per worker: whole
    /// matrices per worker, against the reference, every transpose, one B shared by the batch.</summary>
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void HostKernel_BatchOfSkinnyProducts(bool ta, bool tb)
    {
        const int batch = 9, m = 3, n = 40, k = 17;
        var a = TestSupport.RandomArray(batch * m * k, 31);
        var b = TestSupport.RandomArray(n * k, 32);
        using var at = Tensor.FromArray(a, Shape.Of(batch, ta ? k : m, ta ? m : k), TestSupport.Cpu);
        using var bt = Tensor.FromArray(b, tb ? Shape.Of(n, k) : Shape.Of(k, n), TestSupport.Cpu);
        using var c = Ops.MatMul(at, bt, ta, tb);
        var got = c.ToArray();
        for (int i = 0; i < batch; i++)
        {
            var one = GemmProblem.Dense(m, n, k, ta, tb);
            AssertClose(got[(i * m * n)..((i + 1) * m * n)], GemmReference.Compute(one, a[(i * m * k)..((i + 1) * m * k)], b, new float[m * n], null));
        }
    }

    [TestCaseSource(nameof(RealCases))]
    public void HostKernel_RealSizes(int m, int n, int k, bool ta, bool tb)
    {
        RunAndCheck(TestSupport.Cpu, m, n, k, ta, tb, alpha: 1f, beta: 0f, withBias: true, seed: 7);
        RunAndCheck(TestSupport.Cpu, m, n, k, ta, tb, alpha: 0.5f, beta: -1f, withBias: false, seed: 8);
    }

    /// <summary>A and B with leading dimensions wider than their rows and batch strides wider than
    /// a matrix (the micro-kernel reads full panels of A in place, stepping by lda): two K blocks,
    /// several M blocks with a ragged last panel, the product split over the workers, a batch of
    /// two; C poisoned with NaN.</summary>
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public unsafe void HostKernel_LeadingDimensionsWiderThanTheRows(bool ta, bool tb)
    {
        const int m = 251, n = 70, k = 300;
        var p = GemmProblem.Dense(m, n, k, ta, tb, alpha: 0.75f, beta: 0f);
        p.Lda += 5;
        p.Ldb += 3;
        var (oneA, oneB, _) = p.Extents();
        (p.Batch, p.StrideA, p.StrideB) = (2, oneA + 11, oneB + 13);
        var a = TestSupport.RandomArray((int)(p.StrideA + oneA), 21);
        var b = TestSupport.RandomArray((int)(p.StrideB + oneB), 22);
        var bias = TestSupport.RandomArray(n, 23);
        var c = Enumerable.Repeat(float.NaN, 2 * m * n).ToArray();
        fixed (float* ap = a, bp = b, cp = c, biasp = bias) GemmHost.Run(p, ap, bp, cp, biasp);
        AssertClose(c, GemmReference.Compute(p, a, b, new float[c.Length], bias));
    }

    [TestCase(GemmIsa.Vector256)]
    [TestCase(GemmIsa.Scalar)]
    [TestCase(GemmIsa.Vector512)]
    public void HostKernel_EveryMicroKernel(GemmIsa isa)
    {
        if (isa == GemmIsa.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) isa = GemmIsa.Vector256;
        var saved = GemmHost.Isa;
        try
        {
            GemmHost.Isa = isa;
            foreach (var (ta, tb) in Transposes)
            {
                // K = 600 crosses two K blocks; M = 131 and N = 70 leave ragged edges in both.
                RunAndCheck(TestSupport.Cpu, 131, 70, 600, ta, tb, alpha: 1.25f, beta: 0.5f, withBias: true, seed: 3);
                RunAndCheck(TestSupport.Cpu, 6, 32, 5, ta, tb, alpha: 1f, beta: 0f, withBias: false, seed: 4);
            }
        }
        finally
        {
            GemmHost.Isa = saved;
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void Batched_WithASharedOperand(string device)
    {
        var d = GpuGen.Devices.Get(device);
        const int batch = 3, m = 5, n = 6, k = 7;
        var a = TestSupport.RandomArray(batch * m * k, 1);
        var b = TestSupport.RandomArray(k * n, 2); // one B for the whole batch
        using var at = Tensor.FromArray(a, Shape.Of(batch, m, k), d);
        using var bt = Tensor.FromArray(b, Shape.Of(k, n), d);
        using var c = Ops.MatMul(at, bt);
        Assert.That(c.Shape, Is.EqualTo(Shape.Of(batch, m, n)));
        var p = GemmProblem.Dense(m, n, k);
        p.Batch = batch;
        p.StrideB = 0;
        AssertClose(c.ToArray(), GemmReference.Compute(p, a, b, new float[batch * m * n], null));

        // B batched, A transposed and shared (batch dimension 1)
        var a1 = TestSupport.RandomArray(k * m, 3);
        var b3 = TestSupport.RandomArray(batch * k * n, 4);
        using var a1t = Tensor.FromArray(a1, Shape.Of(1, k, m), d);
        using var b3t = Tensor.FromArray(b3, Shape.Of(batch, k, n), d);
        using var c2 = Ops.MatMul(a1t, b3t, transA: true);
        var p2 = GemmProblem.Dense(m, n, k, transA: true);
        p2.Batch = batch;
        p2.StrideA = 0;
        AssertClose(c2.ToArray(), GemmReference.Compute(p2, a1, b3, new float[batch * m * n], null));
    }

    [Test]
    public void HostKernel_BatchLargerThanTheCoreCount()
    {
        const int batch = 5, m = 64, n = 96, k = 128; // 2·64·96·128·5 FLOPs: parallel over matrices
        var a = TestSupport.RandomArray(batch * m * k, 5);
        var b = TestSupport.RandomArray(batch * k * n, 6);
        using var at = Tensor.FromArray(a, Shape.Of(batch, m, k), TestSupport.Cpu);
        using var bt = Tensor.FromArray(b, Shape.Of(batch, k, n), TestSupport.Cpu);
        using var c = Ops.MatMul(at, bt);
        var p = GemmProblem.Dense(m, n, k);
        p.Batch = batch;
        AssertClose(c.ToArray(), GemmReference.Compute(p, a, b, new float[batch * m * n], null));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void OperandsThatAreViewsAtAnyOffset(string device)
    {
        // Rows 1.. of a [5, 8] tensor start 8 floats in (aligned); rows of a [5, 6] one start 6
        // in (not a multiple of 4: the device kernel must fall back to scalar loads).
        var d = GpuGen.Devices.Get(device);
        foreach (int width in new[] { 8, 6 })
        {
            var a = TestSupport.RandomArray(5 * width, width);
            var b = TestSupport.RandomArray(width * 4, width + 1);
            using var at = Tensor.FromArray(a, Shape.Of(5, width), d);
            using var bt = Tensor.FromArray(b, Shape.Of(width, 4), d);
            using var rows = at[1..];
            using var c = Ops.MatMul(rows, bt);
            AssertClose(c.ToArray(), GemmReference.Compute(GemmProblem.Dense(4, 4, width), a[width..], b, new float[16], null));
        }
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void LinearIsXTimesWTransposedPlusBias(string device)
    {
        var d = GpuGen.Devices.Get(device);
        var x = TestSupport.RandomArray(4 * 10, 9);
        var w = TestSupport.RandomArray(3 * 10, 10);
        var bias = TestSupport.RandomArray(3, 11);
        using var xt = Tensor.FromArray(x, Shape.Of(4, 10), d);
        using var wt = Tensor.FromArray(w, Shape.Of(3, 10), d);
        using var bt = Tensor.FromArray(bias, Shape.Of(3), d);
        using var y = Ops.Linear(xt, wt, bt);
        Assert.That(y.Shape, Is.EqualTo(Shape.Of(4, 3)));
        AssertClose(y.ToArray(), GemmReference.Compute(GemmProblem.Dense(4, 3, 10, transB: true), x, w, new float[12], bias));
    }

    /// <summary>LinearRelu (the clamp in the GEMM's epilogue) against Relu(Linear(…)): forward and
    /// every gradient, on the tiled and the skinny paths (K = 2, N = 2), on every device.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void LinearReluIsReluOfLinear(string device)
    {
        var d = GpuGen.Devices.Get(device);
        // (64, 300, 130): K in two blocks of 150 and the product split over the workers, the clamp on the last block only
        foreach (var (batch, inputs, outputs) in new[] { (37, 29, 45), (64, 2, 33), (40, 30, 2), (64, 300, 130) })
        {
            using var scope = new TensorScope();
            Tensor Make(int seed, params int[] shape)
            {
                var t = Tensor.FromArray(TestSupport.RandomArray(shape.Aggregate(1, (p, s) => p * s), seed), new Shape(shape), d);
                t.RequiresGrad = true;
                return t;
            }
            var (x, w, b) = (Make(1, batch, inputs), Make(2, outputs, inputs), Make(3, outputs));
            var upstream = Tensor.FromArray(TestSupport.RandomArray(batch * outputs, 4), Shape.Of(batch, outputs), d);
            var fused = Ops.LinearRelu(x, w, b);
            var plain = Ops.Relu(Ops.Linear(x, w, b));
            Assert.That(fused.ToArray(), Is.EqualTo(plain.ToArray()), $"{batch}×{inputs}→{outputs}: forward");
            Assert.That(fused.ToArray().Count(v => v == 0f), Is.InRange(batch * outputs / 5, batch * outputs * 4 / 5), "both sides of the kink");
            var gFused = global::GpuGen.Autograd.Grad([fused], [x, w, b], [upstream]);
            var gPlain = global::GpuGen.Autograd.Grad([plain], [x, w, b], [upstream]);
            for (int i = 0; i < 3; i++) Assert.That(gFused[i].ToArray(), Is.EqualTo(gPlain[i].ToArray()), $"gradient {i}: the same gate, the same products");
        }
    }

    /// <summary>An empty C (M or N = 0) is a valid product with nothing to write, on every device.</summary>
    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void EmptyOutputsAreValidProducts(string device)
    {
        var d = GpuGen.Devices.Get(device);
        using var scope = new TensorScope();
        Assert.That(Ops.MatMul(Tensor.Zeros(Shape.Of(0, 5), d), Tensor.Ones(Shape.Of(5, 4), d)).Shape, Is.EqualTo(Shape.Of(0, 4)));
        Assert.That(Ops.MatMul(Tensor.Ones(Shape.Of(3, 700), d), Tensor.Ones(Shape.Of(700, 0), d)).Shape, Is.EqualTo(Shape.Of(3, 0)));
    }

    [TestCaseSource(typeof(TestSupport), nameof(TestSupport.DeviceNames))]
    public void EmptyInnerDimensionScalesCAndAddsTheBias(string device)
    {
        var d = GpuGen.Devices.Get(device);
        using var a = Tensor.Zeros(Shape.Of(3, 0), d);
        using var b = Tensor.Zeros(Shape.Of(0, 4), d);
        var c0 = TestSupport.RandomArray(12, 12);
        using var c = Tensor.FromArray(c0, Shape.Of(3, 4), d);
        using var bias = Tensor.FromArray([1f, 2f, 3f, 4f], d);
        Ops.Gemm(a, b, c, alpha: 2f, beta: 0.5f, bias: bias);
        var got = c.ToArray();
        for (int i = 0; i < 12; i++) Assert.That(got[i], Is.EqualTo(0.5f * c0[i] + (i % 4 + 1)).Within(1e-6), $"element {i}");
    }

    [Test]
    public void ShapeErrorsNameTheOpAndTheShapes()
    {
        var cpu = TestSupport.Cpu;
        using var a = Tensor.Ones(Shape.Of(2, 3), cpu);
        using var b = Tensor.Ones(Shape.Of(4, 5), cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(a, b))!.Message,
            Is.EqualTo("matmul: a has shape [2, 3] and b has shape [4, 5]: inner dimensions 3 and 4 differ"));
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(a, b, transA: true, transB: true))!.Message,
            Is.EqualTo("matmul: a has shape [2, 3] (transposed) and b has shape [4, 5] (transposed): inner dimensions 2 and 5 differ"));
        using var b2 = Tensor.Ones(Shape.Of(3, 5), cpu);
        using var wrong = Tensor.Ones(Shape.Of(5, 2), cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Gemm(a, b2, wrong))!.Message,
            Is.EqualTo("gemm: c has shape [5, 2] but a [2, 3] times b [3, 5] is [2, 5]"));
        using var bias = Tensor.Ones(Shape.Of(4), cpu);
        using var c = Tensor.Ones(Shape.Of(2, 5), cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Gemm(a, b2, c, bias: bias))!.Message,
            Is.EqualTo("gemm: bias has shape [4] but the product has 5 columns"));
        using var a3 = Tensor.Ones(Shape.Of(2, 2, 3), cpu);
        using var b3 = Tensor.Ones(Shape.Of(3, 3, 5), cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(a3, b3))!.Message,
            Does.Contain("batch sizes 2 and 3 differ"));
        using var v = Tensor.Ones(Shape.Of(3), cpu);
        Assert.Throws<ShapeMismatchException>(() => Ops.MatMul(a, v));
        using var w = Tensor.Ones(Shape.Of(4, 2), cpu);
        Assert.That(Assert.Throws<ShapeMismatchException>(() => Ops.Linear(a, w))!.Message, Does.StartWith("linear: x has shape [2, 3] but weight has shape [4, 2]"));
        using var square = Tensor.Ones(Shape.Of(3, 3), cpu);
        Assert.That(Assert.Throws<GpuGenException>(() => Ops.Gemm(square, square, square))!.Message, Does.Contain("overlaps"));
    }

    internal static void RunAndCheck(Device d, int m, int n, int k, bool ta, bool tb, float alpha, float beta, bool withBias, int seed)
    {
        var p = GemmProblem.Dense(m, n, k, ta, tb, alpha, beta);
        var a = TestSupport.RandomArray(m * k, seed);
        var b = TestSupport.RandomArray(k * n, seed + 1);
        var c0 = TestSupport.RandomArray(m * n, seed + 2);
        var bias = withBias ? TestSupport.RandomArray(n, seed + 3) : null;
        using var scope = new TensorScope();
        var at = Tensor.FromArray(a, ta ? Shape.Of(k, m) : Shape.Of(m, k), d);
        var bt = Tensor.FromArray(b, tb ? Shape.Of(n, k) : Shape.Of(k, n), d);
        var ct = beta == 0 ? TestSupport.Poisoned(Shape.Of(m, n), d) : Tensor.FromArray(c0, Shape.Of(m, n), d);
        var biasT = bias is null ? null : Tensor.FromArray(bias, d);
        Ops.Gemm(at, bt, ct, alpha, beta, ta, tb, biasT);
        AssertClose(ct.ToArray(), GemmReference.Compute(p, a, b, c0, bias));
    }

    internal static void AssertClose(float[] got, (double[] Value, double[] Bound) expected)
    {
        Assert.That(got, Has.Length.EqualTo(expected.Value.Length));
        for (int i = 0; i < got.Length; i++)
            if (!(Math.Abs(got[i] - expected.Value[i]) <= expected.Bound[i]))
                Assert.Fail($"element {i}: got {got[i]:R}, expected {expected.Value[i]:R} ± {expected.Bound[i]:G3}");
    }
}
