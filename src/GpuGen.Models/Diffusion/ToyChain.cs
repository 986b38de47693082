using GpuGen.Data;

namespace GpuGen.Models.Diffusion;

/// <summary>
/// A generative model of 2-D points that trains on a per-batch loss and samples by a chain of steps
/// (DDPM's reverse process, BFN's Bayesian updates), as <see cref="ToyChainPlan"/> and the commands use it.
/// </summary>
/// <param name="Name">The model's name in commands and checkpoints (ddpm, bfn).</param>
/// <param name="Loss">The training loss of a batch [B, 2], drawing its noise from the stream.</param>
/// <param name="Sample">n samples [n, 2] by the default sampler; the visitor, when given, sees every
/// state of the chain with a label (x_100 … x_0, μ at t = 0.5 …), first to last.</param>
/// <param name="SamplerName">The default sampler in words ("ancestral", "100 steps").</param>
/// <param name="Variants">Other samplers reported in the final metrics (DDIM with 10 steps, BFN with 10 …),
/// each by a metric key prefix and its description.</param>
/// <param name="Metadata">What the checkpoint records to rebuild the model (its sizes, schedule, data).</param>
/// <param name="ExtraMetrics">The model's own final metrics on the set (a likelihood bound) over n fresh points, from an evaluation stream.</param>
public sealed record ToyChain(
    string Name,
    ToyDenoiser Network,
    Func<Tensor, Generator, Tensor> Loss,
    Func<int, Generator, Action<string, Tensor>?, Tensor> Sample,
    string SamplerName,
    IReadOnlyList<(string Key, string Description, Func<int, Generator, Tensor> Sample)> Variants,
    IReadOnlyDictionary<string, string> Metadata,
    Func<ToySet, int, Generator, Dictionary<string, object?>>? ExtraMetrics = null);
