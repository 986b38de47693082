using System.Diagnostics;

namespace GpuGen.Models.SelfTest;

/// <summary>One parity check: an op family's forward or backward on a device against a double-precision
/// reference, as the largest error relative to 1 + |reference|.</summary>
public sealed record ParityResult(string Family, string Case, double MaxError, double Tolerance, TimeSpan Elapsed)
{
    public bool Passed => double.IsFinite(MaxError) && MaxError <= Tolerance;
}

/// <summary>
/// The op families checked on any device by <c>gpugen selftest</c>: GEMM (every transpose, and on a GPU every
/// plan of the device GEMM), Linear with bias,
/// broadcasting binary ops, unary maps, reductions, softmax and the convolution, each forward and backward
/// (the gradient of Σ G ⊙ y for a random G, through the tape) against references written here in double,
/// at random shapes that include edge sizes (1, a prime, one past a tile). Inputs are random normals,
/// never zeros. Quick mode takes the first shapes of each family.
/// </summary>
public static class OpParity
{
    public static IEnumerable<ParityResult> Run(Device device, bool quick, ulong seed = 7)
    {
        var rng = new Random((int)seed);
        var results = new List<ParityResult>();
        int take = quick ? 2 : int.MaxValue;
        foreach (var (m, k, n) in new[] { (5, 7, 3), (1, 33, 17), (65, 31, 129), (128, 96, 64) }.Take(quick ? 3 : 4))
            foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
                results.AddRange(MatMul(device, rng, m, k, n, ta, tb));
        results.AddRange(MatMulPlans(device, rng, quick));
        foreach (var (b, i, o) in new[] { (3, 5, 4), (17, 100, 33), (64, 256, 10) }.Take(take))
            results.AddRange(Linear(device, rng, b, i, o));
        foreach (var (r, c) in new[] { (4, 7), (1, 1), (33, 130), (257, 1031) }.Take(quick ? 3 : 4))
        {
            results.AddRange(Binary(device, rng, r, c));
            results.AddRange(Unary(device, rng, r, c));
            results.AddRange(Reductions(device, rng, r, c));
        }
        foreach (var shape in new[] { (2, 3, 4, 7, 3, 1, 1), (1, 1, 1, 5, 1, 1, 0), (3, 8, 16, 9, 3, 2, 1), (2, 16, 8, 14, 5, 1, 2) }.Take(quick ? 3 : 4))
            results.AddRange(Conv(device, rng, shape));
        return results;
    }

    // ---- the checks ----

    private static IEnumerable<ParityResult> MatMul(Device device, Random rng, int m, int k, int n, bool ta, bool tb)
    {
        var a = Normal(rng, m * k);
        var b = Normal(rng, k * n);
        double A(int i, int p) => ta ? a[p * m + i] : a[i * k + p];
        double B(int p, int j) => tb ? b[j * k + p] : b[p * n + j];
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += A(i, p) * B(p, j);
                y[i * n + j] = s;
            }
        var g = Normal(rng, m * n);
        // ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G, laid out as each operand is stored
        var da = new double[m * k];
        var db = new double[k * n];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                double s = 0;
                for (int j = 0; j < n; j++) s += g[i * n + j] * B(p, j);
                da[ta ? p * m + i : i * k + p] = s;
            }
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int i = 0; i < m; i++) s += A(i, p) * g[i * n + j];
                db[tb ? j * k + p : p * n + j] = s;
            }
        string name = $"[{m}×{k}]·[{k}×{n}]{(ta ? " Aᵀ" : "")}{(tb ? " Bᵀ" : "")}";
        return Check("matmul", name, device, [(a, ta ? Shape.Of(k, m) : Shape.Of(m, k)), (b, tb ? Shape.Of(n, k) : Shape.Of(k, n))],
            x => Ops.MatMul(x[0], x[1], ta, tb), y, g, [da, db], 1e-4 * Math.Sqrt(k));
    }

    /// <summary>
    /// Every device GEMM plan forced (<see cref="GemmPlans"/>, on a device with groups of 256), forward and backward:
    /// a GPU's own choice takes the warp-tiled kernel and split K only for products larger than the shapes above, so
    /// without this a GPU's first selftest would not run them. 130 × 300 × 133 crosses a 128 tile in M and N and
    /// splits K (in as many ranges as the device's own plan takes, else 4: then the backward products, K = 133 and
    /// 130, leave ranges empty).
    /// </summary>
    private static IEnumerable<ParityResult> MatMulPlans(Device device, Random rng, bool quick)
    {
        const int m = 130, k = 300, n = 133;
        var transposes = quick ? new[] { (false, true) } : new[] { (false, false), (true, false), (false, true), (true, true) };
        foreach (var plan in GemmPlans.For(device, m, n, k))
            foreach (var (ta, tb) in transposes)
                foreach (var r in GemmPlans.Run(device, plan, m, n, k, () => MatMul(device, rng, m, k, n, ta, tb).ToList()))
                    yield return r with { Case = $"{r.Case} [{plan}]" };
    }

    private static IEnumerable<ParityResult> Linear(Device device, Random rng, int batch, int inputs, int outputs)
    {
        var x = Normal(rng, batch * inputs);
        var w = Normal(rng, outputs * inputs);
        var bias = Normal(rng, outputs);
        var y = new double[batch * outputs];
        for (int r = 0; r < batch; r++)
            for (int o = 0; o < outputs; o++)
            {
                double s = bias[o];
                for (int i = 0; i < inputs; i++) s += x[r * inputs + i] * w[o * inputs + i];
                y[r * outputs + o] = s;
            }
        var g = Normal(rng, batch * outputs);
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[outputs];
        for (int r = 0; r < batch; r++)
            for (int o = 0; o < outputs; o++)
            {
                double go = g[r * outputs + o];
                db[o] += go;
                for (int i = 0; i < inputs; i++)
                {
                    dx[r * inputs + i] += go * w[o * inputs + i];
                    dw[o * inputs + i] += go * x[r * inputs + i];
                }
            }
        return Check("linear", $"[{batch}×{inputs}] → {outputs}", device,
            [(x, Shape.Of(batch, inputs)), (w, Shape.Of(outputs, inputs)), (bias, Shape.Of(outputs))],
            t => Ops.Linear(t[0], t[1], t[2]), y, g, [dx, dw, db], 1e-4 * Math.Sqrt(inputs));
    }

    private static IEnumerable<ParityResult> Binary(Device device, Random rng, int rows, int cols)
    {
        var a = Normal(rng, rows * cols);
        var b = Normal(rng, cols); // broadcast along the rows
        var g = Normal(rng, rows * cols);
        var add = new double[a.Length];
        var mul = new double[a.Length];
        var dbAdd = new double[cols];
        var dbMul = new double[cols];
        var daMul = new double[a.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                add[i] = a[i] + b[c];
                mul[i] = a[i] * b[c];
                dbAdd[c] += g[i];
                dbMul[c] += g[i] * a[i];
                daMul[i] = g[i] * b[c];
            }
        (double[], Shape)[] inputs = [(a, Shape.Of(rows, cols)), (b, Shape.Of(cols))];
        return Check("binary", $"add [{rows}×{cols}] + [{cols}]", device, inputs, t => Ops.Add(t[0], t[1]), add, g, [g, dbAdd], 1e-5)
            .Concat(Check("binary", $"mul [{rows}×{cols}] · [{cols}]", device, inputs, t => Ops.Mul(t[0], t[1]), mul, g, [daMul, dbMul], 1e-5));
    }

    private static IEnumerable<ParityResult> Unary(Device device, Random rng, int rows, int cols)
    {
        var x = Normal(rng, rows * cols);
        var g = Normal(rng, x.Length);
        var maps = new (string Name, Func<Tensor, Tensor> Op, Func<double, double> F, Func<double, double> Derivative)[]
        {
            ("tanh", Ops.Tanh, Math.Tanh, v => 1 - Math.Tanh(v) * Math.Tanh(v)),
            ("sigmoid", Ops.Sigmoid, v => 1 / (1 + Math.Exp(-v)), v => Math.Exp(-v) / Math.Pow(1 + Math.Exp(-v), 2)),
            ("relu", Ops.Relu, v => Math.Max(v, 0), v => v > 0 ? 1 : 0),
            ("exp", Ops.Exp, Math.Exp, Math.Exp),
        };
        foreach (var (name, op, f, derivative) in maps)
            foreach (var result in Check("unary", $"{name} [{rows}×{cols}]", device, [(x, Shape.Of(rows, cols))], t => op(t[0]),
                         x.Select(f).ToArray(), g, [x.Select((v, i) => g[i] * derivative(v)).ToArray()], 1e-5))
                yield return result;
    }

    private static IEnumerable<ParityResult> Reductions(Device device, Random rng, int rows, int cols)
    {
        var x = Normal(rng, rows * cols);
        var rowSums = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Sum(c => x[r * cols + c])).ToArray();
        var gRows = Normal(rng, rows);
        var dSum = x.Select((_, i) => gRows[i / cols]).ToArray();
        var results = Check("reduce", $"sum over columns [{rows}×{cols}]", device, [(x, Shape.Of(rows, cols))], t => Ops.Sum(t[0], 1), rowSums, gRows, [dSum], 1e-5 * Math.Sqrt(cols)).ToList();

        // softmax over each row: y = e^x / Σ e^x, ∂ = y ⊙ (g − Σ g ⊙ y)
        var soft = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = Enumerable.Range(0, cols).Max(c => x[r * cols + c]);
            double z = Enumerable.Range(0, cols).Sum(c => Math.Exp(x[r * cols + c] - max));
            for (int c = 0; c < cols; c++) soft[r * cols + c] = Math.Exp(x[r * cols + c] - max) / z;
        }
        var g = Normal(rng, x.Length);
        var dSoft = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double dot = Enumerable.Range(0, cols).Sum(c => g[r * cols + c] * soft[r * cols + c]);
            for (int c = 0; c < cols; c++) dSoft[r * cols + c] = soft[r * cols + c] * (g[r * cols + c] - dot);
        }
        results.AddRange(Check("reduce", $"softmax rows [{rows}×{cols}]", device, [(x, Shape.Of(rows, cols))], t => Ops.Softmax(t[0], 1), soft, g, [dSoft], 1e-5));
        return results;
    }

    private static IEnumerable<ParityResult> Conv(Device device, Random rng, (int N, int Cin, int Cout, int Size, int K, int Stride, int Pad) s)
    {
        int outSize = (s.Size + 2 * s.Pad - s.K) / s.Stride + 1;
        var x = Normal(rng, s.N * s.Cin * s.Size * s.Size);
        var w = Normal(rng, s.Cout * s.Cin * s.K * s.K);
        var bias = Normal(rng, s.Cout);
        var g = Normal(rng, s.N * s.Cout * outSize * outSize);
        var y = new double[g.Length];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[s.Cout];
        for (int n = 0; n < s.N; n++)
            for (int o = 0; o < s.Cout; o++)
                for (int oy = 0; oy < outSize; oy++)
                    for (int ox = 0; ox < outSize; ox++)
                    {
                        int yi = ((n * s.Cout + o) * outSize + oy) * outSize + ox;
                        double sum = bias[o];
                        db[o] += g[yi];
                        for (int c = 0; c < s.Cin; c++)
                            for (int ky = 0; ky < s.K; ky++)
                                for (int kx = 0; kx < s.K; kx++)
                                {
                                    int iy = oy * s.Stride - s.Pad + ky, ix = ox * s.Stride - s.Pad + kx;
                                    if (iy < 0 || iy >= s.Size || ix < 0 || ix >= s.Size) continue;
                                    int xi = ((n * s.Cin + c) * s.Size + iy) * s.Size + ix, wi = ((o * s.Cin + c) * s.K + ky) * s.K + kx;
                                    sum += x[xi] * w[wi];
                                    dx[xi] += g[yi] * w[wi];
                                    dw[wi] += g[yi] * x[xi];
                                }
                        y[yi] = sum;
                    }
        return Check("conv2d", $"[{s.N}×{s.Cin}×{s.Size}²] * [{s.Cout}×{s.Cin}×{s.K}²] stride {s.Stride} pad {s.Pad}", device,
            [(x, Shape.Of(s.N, s.Cin, s.Size, s.Size)), (w, Shape.Of(s.Cout, s.Cin, s.K, s.K)), (bias, Shape.Of(s.Cout))],
            t => Ops.Conv2d(t[0], t[1], t[2], s.Stride, s.Pad), y, g, [dx, dw, db], 1e-4 * Math.Sqrt(s.Cin * s.K * s.K));
    }

    // ---- the harness ----

    /// <summary>The harness (public: a new op can be checked the same way). Runs <paramref name="op"/> on the device with gradients for every input, and compares its output with
    /// <paramref name="expected"/> and each input's gradient of Σ G ⊙ y with <paramref name="gradients"/>.</summary>
    public static IEnumerable<ParityResult> Check(string family, string name, Device device, (double[] Values, Shape Shape)[] inputs,
        Func<Tensor[], Tensor> op, double[] expected, double[] upstream, double[][] gradients, double tolerance)
    {
        using var scope = new TensorScope();
        var clock = Stopwatch.StartNew();
        var tensors = inputs.Select(i =>
        {
            var t = Tensor.FromArray(i.Values.Select(v => (float)v).ToArray(), i.Shape, device);
            t.RequiresGrad = true;
            return t;
        }).ToArray();
        var y = op(tensors);
        var forward = MaxError(y.ToArray(), expected);
        var forwardTime = clock.Elapsed;
        var weights = Tensor.FromArray(upstream.Select(v => (float)v).ToArray(), y.Shape, device);
        Ops.Sum(Ops.Mul(y, weights)).Backward();
        double backward = 0;
        for (int i = 0; i < tensors.Length; i++)
            backward = Math.Max(backward, tensors[i].Grad is { } grad ? MaxError(grad.ToArray(), gradients[i]) : double.NaN);
        foreach (var t in tensors) t.ClearGrad();
        return
        [
            new ParityResult(family, name + " forward", forward, tolerance, forwardTime),
            new ParityResult(family, name + " backward", backward, tolerance, clock.Elapsed - forwardTime),
        ];
    }

    private static double MaxError(float[] got, double[] expected)
    {
        if (got.Length != expected.Length) return double.PositiveInfinity;
        double worst = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double e = Math.Abs(got[i] - expected[i]) / (1 + Math.Abs(expected[i]));
            if (!(e <= worst)) worst = double.IsNaN(e) ? double.NaN : e;
            if (double.IsNaN(worst)) return double.NaN;
        }
        return worst;
    }

    private static double[] Normal(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();
}
