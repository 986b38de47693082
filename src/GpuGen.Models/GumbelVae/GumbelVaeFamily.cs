using GpuGen.Models.Runner;

namespace GpuGen.Models.GumbelVae;

/// <summary>
/// The Gumbel-Softmax VAE as a <see cref="TrainingFamily"/>: trained on dynamically binarized
/// digits with τ annealed from 1 to 0.5 over the run (<see cref="GumbelVae.Anneal"/>), scored on
/// test digits binarized once. <c>test_neg_elbo</c> uses a hard one-hot sample (Gumbel-max, an
/// exact draw of q(c|x)), so it estimates the discrete model's bound; <c>test_neg_elbo_relaxed</c>
/// is the relaxed sample's value at the final temperature, which bounds nothing.
/// </summary>
public static class GumbelVaeFamily
{
    public const string ModelName = "gumbel-vae";

    public static TrainingFamily Create(GumbelVae model, Device device) => new()
    {
        Name = ModelName,
        Module = model,
        Loss = (x, step) =>
        {
            model.Temperature = GumbelVae.Anneal((int)step.GlobalStep, (int)step.TotalSteps);
            return model.Loss(x, x).NegativeElbo;
        },
        TestTerms = ["test_neg_elbo", "test_reconstruction", "test_kl", "test_neg_elbo_relaxed"],
        TestLoss = (x, noise) =>
        {
            var hard = model.Loss(x, x, noise, FinalTemperature, hard: true);
            var relaxed = model.Loss(x, x, noise, FinalTemperature, hard: false);
            return [hard.NegativeElbo.Item(), hard.Reconstruction.Item(), hard.Kl.Item(), relaxed.NegativeElbo.Item()];
        },
        Code = model.Code,
        Reconstruct = x => Ops.Sigmoid(model.Decode(model.Code(x))),
        Sample = (n, noise) => model.SamplePrior(n, device, noise),
        Metadata = new Dictionary<string, string>
        {
            ["model"] = ModelName, ["inputs"] = model.Inputs.ToString(), ["latent"] = model.Variables.ToString(),
            ["classes"] = model.Classes.ToString(), ["straight_through"] = model.StraightThrough.ToString(),
        },
        Streams = new Dictionary<string, Generator> { ["model"] = model.Sampler },
        BinarizeTraining = true,
        BinarizeTest = true,
    };

    /// <summary>τ at the end of the anneal, where the relaxed test value is reported.</summary>
    public static float FinalTemperature => GumbelVae.Anneal(1, 1);
}
