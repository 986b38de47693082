namespace GpuGen.Launch;

/// <summary>One kernel's line of a profile: its launches summed.</summary>
/// <param name="Share">Its total time over the profiled wall time.</param>
/// <param name="ComputeFraction">Achieved GFLOP/s over the device's FMA peak (null without peaks).</param>
/// <param name="BandwidthFraction">Achieved GB/s over the device's copy bandwidth (null without peaks).</param>
/// <param name="Bound">"compute" or "memory": the side of the roofline's ridge its arithmetic intensity falls
/// on (null without peaks, or when it declared no bytes and no FLOPs).</param>
public sealed record KernelLine(string Kernel, int Calls, TimeSpan Total, double Share, double Flops, double Bytes,
    double ComputeFraction, double BandwidthFraction, string? Bound, bool HasPeaks)
{
    public TimeSpan Mean => Calls > 0 ? Total / Calls : TimeSpan.Zero;
    public double GFlopsPerSecond => Total.TotalSeconds > 0 ? Flops / Total.TotalSeconds / 1e9 : 0;
    public double GBytesPerSecond => Total.TotalSeconds > 0 ? Bytes / Total.TotalSeconds / 1e9 : 0;

    /// <summary>FLOPs per byte moved (infinite for a kernel that declared no bytes).</summary>
    public double Intensity => Bytes > 0 ? Flops / Bytes : double.PositiveInfinity;
}

/// <summary>One op's line: the kernels attributed to it, forward or backward.</summary>
public sealed record OpLine(string Op, bool Backward, int Kernels, TimeSpan Total, double Share, double Flops, double Bytes);

/// <summary>
/// What a <see cref="ProfileSession"/> saw, summed: one line per kernel sorted by total time, a rollup per tape
/// op (forward and backward apart), and the host-side gaps: the profiled wall time (the steps', or the whole
/// run's) in which no kernel ran. Percentages of the peak use the device's measured <see cref="DevicePeaks"/>
/// when given.
/// </summary>
public sealed class ProfileReport
{
    public ProfileReport(IReadOnlyList<KernelRecord> records, IReadOnlyList<StepRecord> steps, DevicePeaks? peaks)
    {
        Records = records;
        Steps = steps;
        Peaks = peaks;
        WallTime = steps.Count > 0
            ? TimeSpan.FromTicks(steps.Sum(s => s.Duration.Ticks))
            : records.Count > 0 ? records.Max(r => r.Start + r.Elapsed) - records.Min(r => r.Start) : TimeSpan.Zero;
        KernelTime = TimeSpan.FromTicks(records.Sum(r => r.Elapsed.Ticks));
        double wall = Math.Max(WallTime.TotalSeconds, 1e-12);
        Kernels = records.GroupBy(r => r.Kernel).Select(g =>
        {
            var total = TimeSpan.FromTicks(g.Sum(r => r.Elapsed.Ticks));
            double flops = g.Sum(r => r.Flops), bytes = g.Sum(r => r.Bytes), seconds = Math.Max(total.TotalSeconds, 1e-12);
            double compute = peaks is null ? 0 : flops / seconds / 1e9 / peaks.FmaGflops;
            double bandwidth = peaks is null ? 0 : bytes / seconds / 1e9 / peaks.CopyGBps;
            string? bound = peaks is null || (flops == 0 && bytes == 0) ? null
                : bytes == 0 || flops / bytes >= peaks.RidgeFlopsPerByte ? "compute" : "memory";
            return new KernelLine(g.Key, g.Count(), total, total.TotalSeconds / wall, flops, bytes, compute, bandwidth, bound, peaks is not null);
        }).OrderByDescending(k => k.Total).ToList();
        Ops = records.GroupBy(r => (Op: r.Op ?? "(no op)", r.Backward)).Select(g =>
        {
            var total = TimeSpan.FromTicks(g.Sum(r => r.Elapsed.Ticks));
            return new OpLine(g.Key.Op, g.Key.Backward, g.Count(), total, total.TotalSeconds / wall, g.Sum(r => r.Flops), g.Sum(r => r.Bytes));
        }).OrderByDescending(o => o.Total).ToList();
    }

    public IReadOnlyList<KernelRecord> Records { get; }
    public IReadOnlyList<StepRecord> Steps { get; }
    public DevicePeaks? Peaks { get; }
    public IReadOnlyList<KernelLine> Kernels { get; }
    public IReadOnlyList<OpLine> Ops { get; }

    /// <summary>The profiled wall time: the steps' durations summed, or the span of the kernels without steps.</summary>
    public TimeSpan WallTime { get; }

    /// <summary>Time inside kernels (each launch synchronized on both sides).</summary>
    public TimeSpan KernelTime { get; }

    /// <summary>Wall time in which no kernel ran: host work between launches (the device idle).</summary>
    public TimeSpan HostGaps => WallTime > KernelTime ? WallTime - KernelTime : TimeSpan.Zero;

    /// <summary>The largest gaps between consecutive kernels inside the profiled steps (start, length), longest first.</summary>
    public IReadOnlyList<(TimeSpan Start, TimeSpan Length)> LargestGaps(int count)
    {
        var gaps = new List<(TimeSpan, TimeSpan)>();
        var ordered = Records.OrderBy(r => r.Start).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            var end = ordered[i - 1].Start + ordered[i - 1].Elapsed;
            if (ordered[i].Start > end) gaps.Add((end, ordered[i].Start - end));
        }
        return gaps.OrderByDescending(g => g.Item2).Take(count).ToList();
    }
}
