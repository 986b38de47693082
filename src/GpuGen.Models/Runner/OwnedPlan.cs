namespace GpuGen.Models.Runner;

/// <summary>A <see cref="TrainingPlan"/> with what its builder made for it (optimizers, data
/// sources, a judge): disposing it frees those, not the module, which the caller owns.</summary>
public sealed class OwnedPlan(TrainingPlan plan, params IDisposable?[] owned) : IDisposable
{
    public TrainingPlan Plan { get; } = plan;

    public void Dispose()
    {
        foreach (var o in owned) o?.Dispose();
    }
}
