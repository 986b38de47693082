using GpuGen.Data;
using GpuGen.Optim;

namespace GpuGen.Models.Vae;

/// <summary>Averages over a split, in nats per image.</summary>
public sealed record VaeEvaluation(double NegativeElbo, double Reconstruction, double Kl, double? ImportanceWeighted);

/// <summary>Training and evaluation loops for <see cref="Vae"/>, shared by the command line, tests and benchmarks.</summary>
public static class VaeTraining
{
    /// <summary>
    /// One epoch of Adam steps on −ELBO; returns the mean −ELBO over the epoch's batches.
    /// A loss that is not finite stops training with an error naming the step (the parameters
    /// are then left as they were before that step's update).
    /// </summary>
    public static double TrainEpoch(Vae vae, Optimizer optimizer, BatchLoader loader, int epoch = 1, Action<int, double>? onStep = null) =>
        Training.Epoch("vae", vae, optimizer, loader, images => vae.Loss(images, images).NegativeElbo, epoch, onStep);

    /// <summary>k-nearest-neighbour accuracy (k = 5) of the test codes μ(x) against the training codes.</summary>
    public static double CodeKnnAccuracy(Vae vae, MnistSplit train, MnistSplit test, Device device) =>
        Training.CodeKnnAccuracy(vae, train, test, device, vae.Code);

    /// <summary>Test −ELBO and its terms (and, when <paramref name="iwSamples"/> &gt; 0, the importance-weighted
    /// bound) over a split, with noise from <paramref name="noise"/> (default: a stream of seed 0, never the training one).</summary>
    public static VaeEvaluation Evaluate(Vae vae, MnistSplit split, Device device, int batchSize = 100, int iwSamples = 0, Generator? noise = null)
    {
        noise ??= new Generator(0);
        var terms = Training.Average(vae, split, device, batchSize, x =>
        {
            var loss = vae.Loss(x, x, noise);
            return [loss.NegativeElbo.Item(), loss.Reconstruction.Item(), loss.Kl.Item()];
        });
        double? iw = iwSamples > 0 ? ImportanceWeightedBound(vae, split, device, batchSize, iwSamples, noise) : null;
        return new VaeEvaluation(terms[0], terms[1], terms[2], iw);
    }

    /// <summary>The mean importance-weighted bound on −log p(x) with k samples over a split, in nats per image.</summary>
    public static double ImportanceWeightedBound(Vae vae, MnistSplit split, Device device, int batchSize, int k, Generator noise) =>
        Training.Average(vae, split, device, batchSize, x =>
        {
            // k·b decoder rows at once: chunks keep that near 10,000 rows
            int b = x.Shape[0], chunk = Math.Max(1, 10_000 / k);
            double sum = 0;
            for (int start = 0; start < b; start += chunk)
                using (var part = x.Slice(start, Math.Min(chunk, b - start)))
                    sum += Ops.Sum(vae.ImportanceWeightedBound(part, part, k, noise)).Item();
            return [sum / b];
        })[0];
}
