namespace GpuGen.Diffusion;

/// <summary>The β schedules of the diffusion papers.</summary>
public enum BetaSchedule
{
    /// <summary>Ho et al. 2020: β linear from β_start to β_end.</summary>
    Linear,

    /// <summary>Nichol &amp; Dhariwal 2021: ᾱ(t) = f(t)/f(0), f(t) = cos²(π/2·(t/T + s)/(1 + s)), s = 0.008, β ≤ 0.999.</summary>
    Cosine,

    /// <summary>Sohl-Dickstein et al. 2015's initial schedule (their code's baseline before β is
    /// learned): β_t = 1/n_t with n running linearly from T down to 2, so ᾱ falls roughly as 1/T·…,
    /// plus β_start on the first step.</summary>
    SohlDickstein,
}

/// <summary>
/// A diffusion's forward process q(x_t | x_{t−1}) = N(√(1 − β_t)·x_{t−1}, β_t·I) for t = 0 … T − 1
/// (the papers' t = 1 … T shifted to index from 0: timestep t here is the papers' t + 1). Everything
/// derived from β — α_t = 1 − β_t, ᾱ_t = Π_{s ≤ t} α_s, the posterior q(x_{t−1} | x_t, x₀) — is
/// computed in double; the kernels read √ᾱ and √(1 − ᾱ) as float tensors, one pair per device,
/// owned by the schedule (dispose it to free them).
/// </summary>
public sealed class NoiseSchedule : IDisposable
{
    private readonly Dictionary<Device, (Tensor SqrtAlphaBar, Tensor SqrtOneMinusAlphaBar)> _tables = [];
    private readonly Dictionary<(string, Device), Tensor> _columns = [];

    /// <summary>Validates β: T ≥ 2, every β_t in (0, 1), ᾱ strictly decreasing (it reaches the data's
    /// noise from above); one clear error otherwise.</summary>
    public NoiseSchedule(IReadOnlyList<double> betas, string name = "custom")
    {
        if (betas.Count < 2) throw new GpuGenException($"noise schedule: needs at least 2 timesteps, got {betas.Count}", isUsageError: true);
        Name = name;
        Beta = betas.ToArray();
        Alpha = new double[Beta.Length];
        AlphaBar = new double[Beta.Length];
        double product = 1;
        for (int t = 0; t < Beta.Length; t++)
        {
            double beta = Beta[t];
            if (!(beta > 0 && beta < 1))
                throw new GpuGenException($"noise schedule {name}: β must be in (0, 1), but β at timestep {t} is {beta:R}", isUsageError: true);
            Alpha[t] = 1 - beta;
            double next = product * Alpha[t];
            if (!(next < product) || next <= 0)
                throw new GpuGenException($"noise schedule {name}: ᾱ must decrease, but it stops at timestep {t} (ᾱ = {next:R})", isUsageError: true);
            AlphaBar[t] = product = next;
        }
    }

    /// <summary>Ho et al.'s linear schedule: β from <paramref name="start"/> to <paramref name="end"/> over T steps.</summary>
    public static NoiseSchedule Linear(int steps, double start, double end)
    {
        CheckSteps(steps);
        return new NoiseSchedule(Enumerable.Range(0, steps).Select(t => start + (end - start) * t / (steps - 1)).ToArray(), $"linear({start:R}, {end:R})")
            { Kind = BetaSchedule.Linear, Start = start, End = end };
    }

    /// <summary>Nichol &amp; Dhariwal's cosine schedule (s = 0.008, β clipped at 0.999).</summary>
    public static NoiseSchedule Cosine(int steps, double offset = 0.008, double maxBeta = 0.999)
    {
        CheckSteps(steps);
        double F(int t) => Math.Pow(Math.Cos((t / (double)steps + offset) / (1 + offset) * Math.PI / 2), 2);
        return new NoiseSchedule(Enumerable.Range(0, steps).Select(t => Math.Min(1 - F(t + 1) / F(t), maxBeta)).ToArray(), "cosine") { Kind = BetaSchedule.Cosine };
    }

    /// <summary>Sohl-Dickstein et al.'s baseline: β_t = 10⁻⁶ + (1/n_t)·(1 − 10⁻⁶ − 10⁻⁵), n_t = linspace(T, 2, T),
    /// with <paramref name="firstBeta"/> added to the first step (their code's step1_beta).</summary>
    public static NoiseSchedule SohlDickstein(int steps, double firstBeta = 1e-3)
    {
        CheckSteps(steps);
        const double floor = 1e-6;
        var betas = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            double n = steps + (2.0 - steps) * t / (steps - 1);
            betas[t] = floor + 1 / n * (1 - floor - 1e-5) + (t == 0 ? firstBeta : 0);
        }
        return new NoiseSchedule(betas, "sohl-dickstein") { Kind = BetaSchedule.SohlDickstein, Start = firstBeta };
    }

    /// <summary>The named schedule with T steps: linear(start, end), cosine, or Sohl-Dickstein's (start = its first β).</summary>
    public static NoiseSchedule Create(BetaSchedule kind, int steps, double start, double end) => kind switch
    {
        BetaSchedule.Linear => Linear(steps, start, end),
        BetaSchedule.Cosine => Cosine(steps),
        _ => SohlDickstein(steps, start),
    };

    private static void CheckSteps(int steps)
    {
        if (steps < 2) throw new GpuGenException($"noise schedule: needs at least 2 timesteps (T ≥ 2), got {steps}", isUsageError: true);
    }

    public string Name { get; }

    /// <summary>The named schedule this is, with its parameters (what <see cref="Create"/> rebuilds it from); null for a list of β.</summary>
    public BetaSchedule? Kind { get; private init; }
    public double Start { get; private init; }
    public double End { get; private init; }

    /// <summary>The schedules by their names in commands and checkpoints.</summary>
    public static readonly IReadOnlyDictionary<string, BetaSchedule> Names = new Dictionary<string, BetaSchedule>
    {
        ["linear"] = BetaSchedule.Linear, ["cosine"] = BetaSchedule.Cosine, ["sohl-dickstein"] = BetaSchedule.SohlDickstein,
    };

    public static string NameOf(BetaSchedule? kind) => kind is { } k ? Names.First(n => n.Value == k).Key : "custom";

    /// <summary>T, the number of noising steps.</summary>
    public int Steps => Beta.Length;

    public double[] Beta { get; }
    public double[] Alpha { get; }

    /// <summary>ᾱ_t = Π_{s ≤ t} (1 − β_s), in double.</summary>
    public double[] AlphaBar { get; }

    /// <summary>ᾱ_{t−1}, with ᾱ_{−1} = 1 (before any noise).</summary>
    public double AlphaBarBefore(int t) => t <= 0 ? 1.0 : AlphaBar[t - 1];

    /// <summary>β̃_t = β_t·(1 − ᾱ_{t−1})/(1 − ᾱ_t), the variance of q(x_{t−1} | x_t, x₀) (0 at t = 0).</summary>
    public double PosteriorVariance(int t) => Beta[t] * (1 - AlphaBarBefore(t)) / (1 - AlphaBar[t]);

    /// <summary>The posterior mean's weights: μ̃_t = X0·x₀ + Xt·x_t with X0 = β_t·√ᾱ_{t−1}/(1 − ᾱ_t)
    /// and Xt = (1 − ᾱ_{t−1})·√α_t/(1 − ᾱ_t).</summary>
    public (double X0, double Xt) PosteriorMeanWeights(int t) =>
        (Beta[t] * Math.Sqrt(AlphaBarBefore(t)) / (1 - AlphaBar[t]), (1 - AlphaBarBefore(t)) * Math.Sqrt(Alpha[t]) / (1 - AlphaBar[t]));

    /// <summary>√ᾱ_t and √(1 − ᾱ_t) as [T] tensors on <paramref name="device"/> (made once per device, owned by the schedule).</summary>
    public (Tensor SqrtAlphaBar, Tensor SqrtOneMinusAlphaBar) Tables(Device device)
    {
        lock (_tables)
        {
            if (_tables.TryGetValue(device, out var tables)) return tables;
            var a = Tensor.FromArray(AlphaBar.Select(v => (float)Math.Sqrt(v)).ToArray(), Shape.Of(Steps), device);
            var s = Tensor.FromArray(AlphaBar.Select(v => (float)Math.Sqrt(1 - v)).ToArray(), Shape.Of(Steps), device);
            TensorScope.Release(a);
            TensorScope.Release(s);
            return _tables[device] = (a, s);
        }
    }

    /// <summary>
    /// A per-timestep quantity as a [T, 1] table on <paramref name="device"/> (for gathering one row per
    /// example with Ops.IndexSelect), computed once per name and device from <paramref name="value"/>(t)
    /// in double and owned by the schedule.
    /// </summary>
    public Tensor Column(string name, Device device, Func<int, double> value)
    {
        lock (_tables)
        {
            if (_columns.TryGetValue((name, device), out var column)) return column;
            column = Tensor.FromArray(Enumerable.Range(0, Steps).Select(t => (float)value(t)).ToArray(), Shape.Of(Steps, 1), device);
            TensorScope.Release(column);
            return _columns[(name, device)] = column;
        }
    }

    public void Dispose()
    {
        lock (_tables)
        {
            foreach (var column in _columns.Values) column.Dispose();
            _columns.Clear();
            foreach (var (a, s) in _tables.Values)
            {
                a.Dispose();
                s.Dispose();
            }
            _tables.Clear();
        }
    }
}
