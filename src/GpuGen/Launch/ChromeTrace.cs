using System.Text.Json;

namespace GpuGen.Launch;

/// <summary>
/// A profile as Chrome trace-event JSON (<c>{"traceEvents": [...]}</c>, times in µs), which Perfetto and
/// chrome://tracing open. Track 1 (host) holds a slice per training step and, inside it, a slice per op
/// (consecutive kernels of the same op, forward or backward, from the first kernel's start to the last
/// one's end); track 2 (device) holds the kernels. Every event's args carry its FLOPs and bytes, kernels
/// their launch shape and op. All are complete events ("ph": "X").
/// </summary>
public static class ChromeTrace
{
    public const int Process = 1, HostTrack = 1, DeviceTrack = 2;

    public static string Json(IReadOnlyList<KernelRecord> records, IReadOnlyList<StepRecord> steps)
    {
        var events = new List<object>
        {
            new { name = "process_name", ph = "M", pid = Process, tid = HostTrack, args = new { name = "gpugen" } },
            new { name = "thread_name", ph = "M", pid = Process, tid = HostTrack, args = new { name = "host: steps and ops" } },
            new { name = "thread_name", ph = "M", pid = Process, tid = DeviceTrack, args = new { name = "device: kernels" } },
        };
        foreach (var s in steps)
            events.Add(Complete($"step {s.Step}", "step", HostTrack, s.Start, s.End - s.Start, new { step = s.Step }));

        var ordered = records.OrderBy(r => r.Start).ToList();
        // each kernel's step, found once (0 outside every step)
        var stepOf = ordered.Select(r => steps.FirstOrDefault(s => r.Start >= s.Start && r.Start < s.End)?.Step ?? 0).ToArray();
        for (int i = 0; i < ordered.Count;)
        {
            // one op slice: the run of kernels with the same op, direction and step
            var first = ordered[i];
            int j = i;
            while (j < ordered.Count && ordered[j].Op == first.Op && ordered[j].Backward == first.Backward && stepOf[j] == stepOf[i]) j++;
            var run = ordered.GetRange(i, j - i);
            if (first.Op is { } op)
            {
                var end = run.Max(r => r.Start + r.Elapsed);
                events.Add(Complete(first.Backward ? $"{op} (backward)" : op, first.Backward ? "backward" : "forward", HostTrack, first.Start, end - first.Start,
                    new { kernels = run.Count, flops = run.Sum(r => r.Flops), bytes = run.Sum(r => r.Bytes) }));
            }
            foreach (var r in run)
                events.Add(Complete(r.Kernel, "kernel", DeviceTrack, r.Start, r.Elapsed,
                    new { shape = r.LaunchShape, device = r.Device, op = r.Op, backward = r.Backward, flops = r.Flops, bytes = r.Bytes }));
            i = j;
        }
        return JsonSerializer.Serialize(new { traceEvents = events, displayTimeUnit = "ms" });
    }

    private static object Complete(string name, string category, int track, TimeSpan start, TimeSpan duration, object args) => new
    {
        name, cat = category, ph = "X", pid = Process, tid = track,
        ts = Math.Round(start.TotalMicroseconds, 3), dur = Math.Round(duration.TotalMicroseconds, 3), args,
    };
}
