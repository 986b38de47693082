using System.Diagnostics;

namespace GpuGen;

/// <summary>Wall-clock timing for the device measurements (<see cref="DevicePeaks"/>, <see cref="KernelBench"/>):
/// one run, and the median of several.</summary>
internal static class Timing
{
    public static double Seconds(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    public static double Median(int repeats, Action run)
    {
        var times = Enumerable.Range(0, repeats).Select(_ => Seconds(run)).Order().ToArray();
        return times.Length % 2 == 1 ? times[times.Length / 2] : 0.5 * (times[times.Length / 2 - 1] + times[times.Length / 2]);
    }
}
