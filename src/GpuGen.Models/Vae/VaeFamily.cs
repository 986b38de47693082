using GpuGen.Models.Runner;

namespace GpuGen.Models.Vae;

/// <summary>The VAE as a <see cref="TrainingFamily"/>: −ELBO to train, its terms to test, and the
/// importance-weighted bound with <paramref name="iwSamples"/> samples after training.</summary>
public static class VaeFamily
{
    public static TrainingFamily Create(Vae vae, Device device, int iwSamples, int batch) => new()
    {
        Name = VaeCheckpoint.ModelName,
        Module = vae,
        Loss = (x, _) => vae.Loss(x, x).NegativeElbo,
        TestTerms = ["test_neg_elbo", "test_reconstruction", "test_kl"],
        TestLoss = (x, noise) =>
        {
            var l = vae.Loss(x, x, noise);
            return [l.NegativeElbo.Item(), l.Reconstruction.Item(), l.Kl.Item()];
        },
        Code = vae.Code,
        Reconstruct = x => Ops.Sigmoid(vae.Decode(vae.Code(x))),
        Sample = (n, noise) => Ops.Sigmoid(vae.Decode(Ops.Normal(Shape.Of(n, vae.Latent), noise, device))),
        Metadata = VaeCheckpoint.Metadata(vae),
        Streams = new Dictionary<string, Generator> { ["model"] = vae.Sampler },
        FinalMetrics = (test, noise) => new Dictionary<string, object?>
        {
            ["iw_samples"] = iwSamples,
            ["test_iwae_bound"] = iwSamples > 0 ? VaeTraining.ImportanceWeightedBound(vae, test, device, batch, iwSamples, noise) : null,
        },
    };
}
