using BenchmarkDotNet.Attributes;
using GpuGen.Models.Clustering;

namespace GpuGen.Perf;

/// <summary>
/// DEC's k-means step at its size: 8,000 codes of 10 dimensions (the embedded training split
/// through the d-500-500-2000-10 encoder), k = 10, k-means++ seeding then Lloyd's iterations to
/// convergence, on the host in double. The codes here are ten overlapping Gaussian clusters drawn
/// from a fixed seed (spread 1, centres about 3 apart, like pre-trained codes), so the benchmark
/// needs no trained model: one restart, and the 20 restarts DEC runs.
/// </summary>
public class KMeansBenchmarks : IDeclaresWork
{
    public const int Points = 8000, Dimensions = 10, Clusters = 10;
    private float[] _codes = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        var centres = Enumerable.Range(0, Clusters * Dimensions).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        _codes = new float[Points * Dimensions];
        for (int i = 0; i < Points; i++)
        {
            int c = rng.Next(Clusters);
            for (int j = 0; j < Dimensions; j++)
                _codes[i * Dimensions + j] = (float)(centres[c * Dimensions + j] + Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }
    }

    [Benchmark]
    public KMeansResult OneRestart() => KMeans.Fit(_codes, Points, Dimensions, Clusters, new Generator(1), restarts: 1);

    [Benchmark]
    public KMeansResult TwentyRestarts() => KMeans.Fit(_codes, Points, Dimensions, Clusters, new Generator(1), restarts: 20);

    /// <summary>One restart: 3·n·k·d FLOPs (subtract, multiply, add) per assignment pass, one pass per
    /// iteration plus the final one, and k passes of n·d of seeding (the update's n·d adds are left out).
    /// Twenty restarts iterate a different number of times each: not declared.</summary>
    public (double Flops, double Bytes) WorkOf(string method, IReadOnlyDictionary<string, object> parameters)
    {
        if (method != nameof(OneRestart)) return (0, 0);
        Setup();
        var result = OneRestart();
        double pass = 3.0 * Points * Clusters * Dimensions;
        return ((result.Iterations + 1) * pass + 3.0 * Points * Dimensions * Clusters, Points * Dimensions * 4.0 * (result.Iterations + 1));
    }
}
