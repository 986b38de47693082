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

    /// <summary>Test −ELBO (and, when <paramref name="iwSamples"/> &gt; 0, the importance-weighted bound) over a split.</summary>
    public static VaeEvaluation Evaluate(Vae vae, MnistSplit split, Device device, int batchSize = 100, int iwSamples = 0)
    {
        vae.Eval();
        using var noGrad = Autograd.NoGrad();
        double elbo = 0, reconstruction = 0, kl = 0, iw = 0;
        var loader = new BatchLoader(split, batchSize, device);
        foreach (var (images, _) in loader.Epoch())
        {
            using var scope = new TensorScope();
            int b = images.Shape[0];
            var loss = vae.Loss(images, images);
            elbo += loss.NegativeElbo.Item() * b;
            reconstruction += loss.Reconstruction.Item() * b;
            kl += loss.Kl.Item() * b;
            if (iwSamples > 0)
            {
                // k·b decoder rows at once: keep the batch small enough for memory
                int chunk = Math.Max(1, 10_000 / iwSamples);
                for (int start = 0; start < b; start += chunk)
                    using (var part = images.Slice(start, Math.Min(chunk, b - start)))
                        iw += Ops.Sum(vae.ImportanceWeightedBound(part, part, iwSamples)).Item();
            }
        }
        int n = split.Count;
        return new VaeEvaluation(elbo / n, reconstruction / n, kl / n, iwSamples > 0 ? iw / n : null);
    }
}
