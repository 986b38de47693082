namespace GpuGen.Models.Runner;

/// <summary>Runs counted in iterations (a toy GAN's generator iterations, a diffusion model's steps)
/// as the runner's epochs: a checkpoint after every <c>perEpoch</c> iterations.</summary>
public static class IterationEpochs
{
    /// <summary>Whole epochs of <paramref name="perEpoch"/> iterations, or one epoch when fewer; a
    /// count that is neither is a usage error naming <paramref name="option"/>.</summary>
    public static (int Epochs, int StepsPerEpoch) Of(int iterations, int perEpoch, string option)
    {
        if (iterations <= 0) throw new GpuGenException($"{option} must be positive, got {iterations}", isUsageError: true);
        if (iterations <= perEpoch) return (1, iterations);
        if (iterations % perEpoch != 0)
            throw new GpuGenException($"{option} {iterations}: give at most {perEpoch} or a multiple of {perEpoch} (a checkpoint is written every {perEpoch})", isUsageError: true);
        return (iterations / perEpoch, perEpoch);
    }
}
