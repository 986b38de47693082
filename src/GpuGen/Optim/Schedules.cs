namespace GpuGen.Optim;

/// <summary>A learning rate as a function of the step (0 for the first update).</summary>
public interface ILearningRateSchedule
{
    float At(int step);
}

/// <summary>The same rate at every step.</summary>
public sealed record ConstantSchedule(float Rate) : ILearningRateSchedule
{
    public float At(int step) => Rate;
}

/// <summary>Rises linearly from Rate/WarmupSteps at step 0 to Rate at step WarmupSteps − 1, then stays.</summary>
public sealed record LinearWarmupSchedule(float Rate, int WarmupSteps) : ILearningRateSchedule
{
    public float At(int step) => WarmupSteps <= 0 ? Rate : Rate * Math.Min(1f, (step + 1f) / WarmupSteps);
}

/// <summary>
/// Optional linear warm-up, then cosine decay (Loshchilov &amp; Hutter 2017, without restarts) from
/// Rate to MinRate at step TotalSteps, and MinRate after.
/// </summary>
public sealed record CosineSchedule(float Rate, int TotalSteps, float MinRate = 0f, int WarmupSteps = 0) : ILearningRateSchedule
{
    public float At(int step)
    {
        if (step < WarmupSteps) return Rate * (step + 1f) / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        float progress = Math.Min(1f, (step - WarmupSteps) / (float)decaySteps);
        return MinRate + 0.5f * (Rate - MinRate) * (1f + MathF.Cos(MathF.PI * progress));
    }
}
